// Redis' geohash (geohash.c, geohash_helper.c of Redis 7.0): 26-bit-per-axis interleaved
// cells on the Mercator-limited WGS84 ranges, the haversine distance, and the 9-cell
// cover of a search shape. Ported step by step (same operations, same order, same
// types) because the doubles they produce decide which members a search returns and the
// digits it prints: any reordering of the arithmetic changes results at cell edges.
#pragma once

#include <cstdint>

namespace kiwi::geo {

constexpr double kLatMin = -85.05112878, kLatMax = 85.05112878;
constexpr double kLongMin = -180, kLongMax = 180;
constexpr uint8_t kStepMax = 26;  // 52 bits: exact in a double score

struct Range {
  double min = 0, max = 0;
};
struct Bits {
  uint64_t bits = 0;
  uint8_t step = 0;
  bool zero() const { return bits == 0 && step == 0; }
};
struct Area {
  Bits hash;
  Range longitude, latitude;
};

// Encodes a point at `step` bits per axis; false when outside the ranges.
bool Encode(const Range& lon_range, const Range& lat_range, double lon, double lat, uint8_t step, Bits* out);
bool EncodeWGS84(double lon, double lat, uint8_t step, Bits* out);
bool Decode(const Range& lon_range, const Range& lat_range, const Bits& hash, Area* out);
// A sorted-set score to the centre of its cell, [lon, lat] (Redis decodeGeohash).
bool DecodeScore(double score, double* xy);
// The score (52-bit aligned) of a cell.
uint64_t Align52(const Bits& hash);

double Distance(double lon1, double lat1, double lon2, double lat2);

// A search shape (Redis GeoShape): a circle (radius) or an axis-aligned box, both in the
// unit whose size in metres is `conversion`, centred on xy.
struct Shape {
  bool box = false;
  double xy[2] = {0, 0};
  double conversion = 1;
  double radius = 0;
  double width = 0, height = 0;
};
// Whether the point is inside the shape; *distance (metres) is set when it is.
bool Within(const Shape& s, double lon, double lat, double* distance);

// The cells to scan, in Redis' order: centre, N, S, E, W, NE, NW, SE, SW. Zeroed cells
// (bits and step 0) are skipped.
void CoverCells(const Shape& s, Bits cells[9]);

}  // namespace kiwi::geo
