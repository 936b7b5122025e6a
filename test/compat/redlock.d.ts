// redlock 4 ships no types: the part test/compat/script-libraries.test.ts uses.
declare module 'redlock' {
  interface Lock {
    value: string;
    unlock(): Promise<void>;
    extend(ttl: number): Promise<Lock>;
  }
  class Redlock {
    constructor(clients: unknown[], options?: { retryCount?: number; retryDelay?: number });
    lock(resource: string, ttl: number): Promise<Lock>;
  }
  export default Redlock;
}
