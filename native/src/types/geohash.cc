// Redis 7.0's geohash arithmetic (geohash.c, geohash_helper.c); see geohash.h for why it
// follows Redis operation by operation.
#include "geohash.h"

#include <cmath>

namespace kiwi::geo {

namespace {

constexpr double kDegToRad = M_PI / 180.0;
constexpr double kEarthRadiusMeters = 6372797.560856;  // Redis' WGS-84 quadratic mean
constexpr double kMercatorMax = 20037726.37;

double DegRad(double ang) { return ang * kDegToRad; }
double RadDeg(double ang) { return ang / kDegToRad; }

// Bits of x at even positions, bits of y at odd ones (x, y below 2^32).
uint64_t Interleave(uint32_t xlo, uint32_t ylo) {
  static constexpr uint64_t B[] = {0x5555555555555555ULL, 0x3333333333333333ULL, 0x0F0F0F0F0F0F0F0FULL,
                                   0x00FF00FF00FF00FFULL, 0x0000FFFF0000FFFFULL};
  static constexpr unsigned S[] = {1, 2, 4, 8, 16};
  uint64_t x = xlo, y = ylo;
  for (int i = 4; i >= 0; i--) {
    x = (x | (x << S[i])) & B[i];
    y = (y | (y << S[i])) & B[i];
  }
  return x | (y << 1);
}

// The inverse: even bits in the low half, odd bits in the high half.
uint64_t Deinterleave(uint64_t interleaved) {
  static constexpr uint64_t B[] = {0x5555555555555555ULL, 0x3333333333333333ULL, 0x0F0F0F0F0F0F0F0FULL,
                                   0x00FF00FF00FF00FFULL, 0x0000FFFF0000FFFFULL, 0x00000000FFFFFFFFULL};
  static constexpr unsigned S[] = {0, 1, 2, 4, 8, 16};
  uint64_t x = interleaved, y = interleaved >> 1;
  for (int i = 0; i < 6; i++) {
    x = (x | (x >> S[i])) & B[i];
    y = (y | (y >> S[i])) & B[i];
  }
  return x | (y << 32);
}

void CoordRange(Range* lon, Range* lat) {
  *lon = {kLongMin, kLongMax};
  *lat = {kLatMin, kLatMax};
}

// Moves a cell one step along one axis: east/west moves the odd (longitude) bits, north/
// south the even (latitude) bits; `moving` selects them (Redis geohash_move_x/_y).
void Move(Bits* h, int d, uint64_t moving) {
  if (d == 0) return;
  const uint64_t kept = ~moving;
  uint64_t m = h->bits & moving;
  const uint64_t other = h->bits & kept;
  const uint64_t zz = kept >> (64 - h->step * 2);
  if (d > 0) {
    m = m + (zz + 1);
  } else {
    m = m | zz;
    m = m - (zz + 1);
  }
  m &= (moving >> (64 - h->step * 2));
  h->bits = m | other;
}

constexpr uint64_t kLongitudeBits = 0xaaaaaaaaaaaaaaaaULL, kLatitudeBits = 0x5555555555555555ULL;

struct Neighbors {
  Bits north, south, east, west, north_east, north_west, south_east, south_west;
};

Neighbors NeighborsOf(const Bits& h) {
  Neighbors n;
  auto moved = [&](int dx, int dy) {
    Bits b = h;
    Move(&b, dx, kLongitudeBits);
    Move(&b, dy, kLatitudeBits);
    return b;
  };
  n.east = moved(1, 0);
  n.west = moved(-1, 0);
  n.south = moved(0, -1);
  n.north = moved(0, 1);
  n.north_west = moved(-1, 1);
  n.north_east = moved(1, 1);
  n.south_east = moved(1, -1);
  n.south_west = moved(-1, -1);
  return n;
}

// geohashEstimateStepsByRadius: the cell size whose 3x3 block covers the radius.
uint8_t EstimateSteps(double range_meters, double lat) {
  if (range_meters == 0) return 26;
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    step++;
  }
  step -= 2;  // make sure the range is included in most of the base cases
  // Wider cells towards the poles (Redis' approximation).
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return static_cast<uint8_t>(step);
}

// geohashBoundingBox: [min lon, min lat, max lon, max lat] of the shape.
void BoundingBox(const Shape& s, double* bounds) {
  const double longitude = s.xy[0], latitude = s.xy[1];
  const double height = s.conversion * (!s.box ? s.radius : s.height / 2);
  const double width = s.conversion * (!s.box ? s.radius : s.width / 2);
  const double lat_delta = RadDeg(height / kEarthRadiusMeters);
  const double long_delta_top = RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(latitude + lat_delta)));
  const double long_delta_bottom = RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(latitude - lat_delta)));
  // The wider edge is the one nearer the equator.
  const bool southern = latitude < 0;
  bounds[0] = southern ? longitude - long_delta_bottom : longitude - long_delta_top;
  bounds[2] = southern ? longitude + long_delta_bottom : longitude + long_delta_top;
  bounds[1] = latitude - lat_delta;
  bounds[3] = latitude + lat_delta;
}

}  // namespace

bool Encode(const Range& lon_range, const Range& lat_range, double lon, double lat, uint8_t step, Bits* out) {
  if (step > 32 || step == 0) return false;
  if (lon > kLongMax || lon < kLongMin || lat > kLatMax || lat < kLatMin) return false;
  out->bits = 0;
  out->step = step;
  if (lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max) return false;
  double lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
  double long_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min);
  lat_offset *= static_cast<double>(1ULL << step);
  long_offset *= static_cast<double>(1ULL << step);
  out->bits = Interleave(static_cast<uint32_t>(lat_offset), static_cast<uint32_t>(long_offset));
  return true;
}

bool EncodeWGS84(double lon, double lat, uint8_t step, Bits* out) {
  Range lon_range, lat_range;
  CoordRange(&lon_range, &lat_range);
  return Encode(lon_range, lat_range, lon, lat, step, out);
}

bool Decode(const Range& lon_range, const Range& lat_range, const Bits& hash, Area* area) {
  if (hash.zero()) return false;
  area->hash = hash;
  const uint8_t step = hash.step;
  const uint64_t sep = Deinterleave(hash.bits);
  const double lat_scale = lat_range.max - lat_range.min;
  const double long_scale = lon_range.max - lon_range.min;
  const uint32_t ilato = static_cast<uint32_t>(sep);
  const uint32_t ilono = static_cast<uint32_t>(sep >> 32);
  const double cells = static_cast<double>(1ULL << step);
  area->latitude.min = lat_range.min + (ilato * 1.0 / cells) * lat_scale;
  area->latitude.max = lat_range.min + ((ilato + 1) * 1.0 / cells) * lat_scale;
  area->longitude.min = lon_range.min + (ilono * 1.0 / cells) * long_scale;
  area->longitude.max = lon_range.min + ((ilono + 1) * 1.0 / cells) * long_scale;
  return true;
}

bool DecodeScore(double score, double* xy) {
  // (uint64_t) of the score, as Redis converts it (scores set by ZADD may be anything).
  const Bits hash{static_cast<uint64_t>(score), kStepMax};
  Range lon_range, lat_range;
  CoordRange(&lon_range, &lat_range);
  Area area;
  if (!Decode(lon_range, lat_range, hash, &area)) return false;
  xy[0] = (area.longitude.min + area.longitude.max) / 2;
  if (xy[0] > kLongMax) xy[0] = kLongMax;
  if (xy[0] < kLongMin) xy[0] = kLongMin;
  xy[1] = (area.latitude.min + area.latitude.max) / 2;
  if (xy[1] > kLatMax) xy[1] = kLatMax;
  if (xy[1] < kLatMin) xy[1] = kLatMin;
  return true;
}

uint64_t Align52(const Bits& hash) { return hash.bits << (52 - hash.step * 2); }

double Distance(double lon1d, double lat1d, double lon2d, double lat2d) {
  const double lat1r = DegRad(lat1d), lon1r = DegRad(lon1d);
  const double lat2r = DegRad(lat2d), lon2r = DegRad(lon2d);
  const double u = std::sin((lat2r - lat1r) / 2);
  const double v = std::sin((lon2r - lon1r) / 2);
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(u * u + std::cos(lat1r) * std::cos(lat2r) * v * v));
}

bool Within(const Shape& s, double lon, double lat, double* distance) {
  if (!s.box) {
    *distance = Distance(s.xy[0], s.xy[1], lon, lat);
    return !(*distance > s.radius * s.conversion);
  }
  const double width_m = s.width * s.conversion, height_m = s.height * s.conversion;
  const double lon_distance = Distance(lon, lat, s.xy[0], lat);
  const double lat_distance = Distance(lon, lat, lon, s.xy[1]);
  if (lon_distance > width_m / 2 || lat_distance > height_m / 2) return false;
  *distance = Distance(s.xy[0], s.xy[1], lon, lat);
  return true;
}

void CoverCells(const Shape& s, Bits cells[9]) {
  double bounds[4];
  BoundingBox(s, bounds);
  const double min_lon = bounds[0], min_lat = bounds[1], max_lon = bounds[2], max_lat = bounds[3];
  const double longitude = s.xy[0], latitude = s.xy[1];
  double radius_meters = !s.box ? s.radius : std::sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
  radius_meters *= s.conversion;

  int steps = EstimateSteps(radius_meters, latitude);
  Range lon_range, lat_range;
  CoordRange(&lon_range, &lat_range);
  Bits hash;
  Area area;
  Encode(lon_range, lat_range, longitude, latitude, static_cast<uint8_t>(steps), &hash);
  Neighbors n = NeighborsOf(hash);
  Decode(lon_range, lat_range, hash, &area);

  // When the shape reaches past a side neighbour, use cells one step larger.
  bool decrease_step = false;
  {
    Area north, south, east, west;
    Decode(lon_range, lat_range, n.north, &north);
    Decode(lon_range, lat_range, n.south, &south);
    Decode(lon_range, lat_range, n.east, &east);
    Decode(lon_range, lat_range, n.west, &west);
    if (north.latitude.max < max_lat) decrease_step = true;
    if (south.latitude.min > min_lat) decrease_step = true;
    if (east.longitude.max < max_lon) decrease_step = true;
    if (west.longitude.min > min_lon) decrease_step = true;
  }
  if (steps > 1 && decrease_step) {
    steps--;
    Encode(lon_range, lat_range, longitude, latitude, static_cast<uint8_t>(steps), &hash);
    n = NeighborsOf(hash);
    Decode(lon_range, lat_range, hash, &area);
  }

  // Drop the neighbours the shape cannot reach.
  if (steps >= 2) {
    const Bits zero;
    if (area.latitude.min < min_lat) n.south = n.south_west = n.south_east = zero;
    if (area.latitude.max > max_lat) n.north = n.north_east = n.north_west = zero;
    if (area.longitude.min < min_lon) n.west = n.south_west = n.north_west = zero;
    if (area.longitude.max > max_lon) n.east = n.south_east = n.north_east = zero;
  }
  cells[0] = hash;
  cells[1] = n.north;
  cells[2] = n.south;
  cells[3] = n.east;
  cells[4] = n.west;
  cells[5] = n.north_east;
  cells[6] = n.north_west;
  cells[7] = n.south_east;
  cells[8] = n.south_west;
}

}  // namespace kiwi::geo
