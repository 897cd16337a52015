//! The location payload: one fixed size for every update.
//!
//! ```text
//! offset size
//! 0      1    version 0x02
//! 1      1    type 0x08
//! 2      1    flags: bit 0 altitude, bit 1 heading, bit 2 speed (other bits zero)
//! 3      1    precision: 0 exact, 1 street, 2 neighbourhood, 3 city
//! 4      4    latitude  i32, 1e-7 degree, −90° ..= 90°
//! 8      4    longitude i32, 1e-7 degree, −180° ..= 180°
//! 12     4    horizontal accuracy u32, centimetres, ≤ 2,000,000,000
//! 16     4    altitude i32, centimetres, −1,000,000 ..= 10,000,000      (zero if absent)
//! 20     2    heading u16, 0.01 degree, < 36,000                         (zero if absent)
//! 22     4    speed u32, centimetres per second, ≤ 1,000,000             (zero if absent)
//! 26     8    timestamp u64, milliseconds since the Unix epoch
//! 34     4    sequence u32
//! 38     10   zero
//! ```
//!
//! Absent fields and the tail are zero and checked to be zero, so every
//! encoding is [`LOCATION_PAYLOAD_LEN`] bytes: the ciphertext's length says
//! nothing about which fields are present or how precise they are. Values out
//! of range are [`Error::InvalidLocation`], never clamped.

use crate::codec::Reader;
use crate::error::{Error, Result};
use crate::wire::{TYPE_LOCATION_PAYLOAD, WIRE_VERSION, check_prefix};

/// Length of every encoded location.
pub const LOCATION_PAYLOAD_LEN: usize = 48;

const MAX_LAT: i32 = 900_000_000;
const MAX_LON: i32 = 1_800_000_000;
const MAX_ACCURACY_CM: u32 = 2_000_000_000;
const MIN_ALTITUDE_CM: i32 = -1_000_000;
const MAX_ALTITUDE_CM: i32 = 10_000_000;
const MAX_HEADING: u16 = 36_000;
const MAX_SPEED_CM_S: u32 = 1_000_000;

const FLAG_ALTITUDE: u8 = 1;
const FLAG_HEADING: u8 = 2;
const FLAG_SPEED: u8 = 4;

/// How precisely a location is shared. Coarser settings snap the coordinates
/// to a grid before encryption and drop altitude, heading and speed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Precision {
    /// As measured.
    Exact,
    /// A 0.001° grid (about 110 m).
    Street,
    /// A 0.01° grid (about 1.1 km).
    Neighbourhood,
    /// A 0.1° grid (about 11 km).
    City,
}

impl Precision {
    /// The precision's code in the payload and state encodings (0 exact,
    /// 1 street, 2 neighbourhood, 3 city).
    pub fn code(self) -> u8 {
        match self {
            Precision::Exact => 0,
            Precision::Street => 1,
            Precision::Neighbourhood => 2,
            Precision::City => 3,
        }
    }

    /// The precision with this code; another code is [`Error::Malformed`].
    pub fn from_code(c: u8) -> Result<Self> {
        Ok(match c {
            0 => Precision::Exact,
            1 => Precision::Street,
            2 => Precision::Neighbourhood,
            3 => Precision::City,
            _ => return Err(Error::Malformed),
        })
    }

    /// Grid step in 1e-7 degree, and the accuracy it implies in centimetres
    /// (half the grid's diagonal at the equator, rounded up).
    fn grid(self) -> Option<(i32, u32)> {
        match self {
            Precision::Exact => None,
            Precision::Street => Some((10_000, 7_900)),
            Precision::Neighbourhood => Some((100_000, 78_700)),
            Precision::City => Some((1_000_000, 787_000)),
        }
    }
}

/// One location fix. `Debug` says which fields are present, never where
/// the fix is: a location is plaintext.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// Latitude in 1e-7 degree (−900,000,000 ..= 900,000,000).
    pub latitude_e7: i32,
    /// Longitude in 1e-7 degree (−1,800,000,000 ..= 1,800,000,000).
    pub longitude_e7: i32,
    /// Horizontal accuracy radius in centimetres.
    pub accuracy_cm: u32,
    /// Altitude above sea level in centimetres.
    pub altitude_cm: Option<i32>,
    /// Heading in 0.01 degree from north, below 36,000.
    pub heading_centideg: Option<u16>,
    /// Speed in centimetres per second.
    pub speed_cm_s: Option<u32>,
    /// When the fix was taken, milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// The app's sequence number of the fix.
    pub sequence: u32,
    /// The precision the fix was coarsened to.
    pub precision: Precision,
}

impl core::fmt::Debug for Location {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Location")
            .field("precision", &self.precision)
            .field("altitude", &self.altitude_cm.is_some())
            .field("heading", &self.heading_centideg.is_some())
            .field("speed", &self.speed_cm_s.is_some())
            .finish_non_exhaustive()
    }
}

/// Rounds `v` to the nearest multiple of `step` (ties away from zero),
/// staying within `±max`, which is itself a multiple of `step`.
fn snap(v: i32, step: i32, max: i32) -> i32 {
    let half = step >> 1;
    let shifted = if v >= 0 {
        v.saturating_add(half)
    } else {
        v.saturating_sub(half)
    };
    // step is a positive constant of Precision::grid.
    let q = shifted.checked_div(step).unwrap_or(0);
    q.saturating_mul(step).clamp(max.saturating_neg(), max)
}

impl Location {
    /// Checks every field's range.
    pub fn validate(&self) -> Result<()> {
        let ok = (MAX_LAT.saturating_neg()..=MAX_LAT).contains(&self.latitude_e7)
            && (MAX_LON.saturating_neg()..=MAX_LON).contains(&self.longitude_e7)
            && self.accuracy_cm <= MAX_ACCURACY_CM
            && self
                .altitude_cm
                .is_none_or(|a| (MIN_ALTITUDE_CM..=MAX_ALTITUDE_CM).contains(&a))
            && self.heading_centideg.is_none_or(|h| h < MAX_HEADING)
            && self.speed_cm_s.is_none_or(|s| s <= MAX_SPEED_CM_S);
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidLocation)
        }
    }

    /// The same fix at a coarser precision: coordinates snapped to the grid,
    /// accuracy at least the grid's, altitude, heading and speed dropped.
    /// Coarsening never makes a fix more precise than it was.
    pub fn coarsen(&self, precision: Precision) -> Result<Location> {
        self.validate()?;
        let current = self.precision.grid().map_or(0, |(s, _)| s);
        let Some((step, accuracy)) = precision.grid() else {
            return Ok(*self);
        };
        if step <= current {
            return Ok(*self);
        }
        Ok(Location {
            latitude_e7: snap(self.latitude_e7, step, MAX_LAT),
            longitude_e7: snap(self.longitude_e7, step, MAX_LON),
            accuracy_cm: self.accuracy_cm.max(accuracy),
            altitude_cm: None,
            heading_centideg: None,
            speed_cm_s: None,
            precision,
            ..*self
        })
    }

    /// The fixed-size encoding (one-shot locations travel as this inside a
    /// 1:1 or group message).
    pub fn encode(&self) -> Result<[u8; LOCATION_PAYLOAD_LEN]> {
        self.validate()?;
        let mut out = [0u8; LOCATION_PAYLOAD_LEN];
        let mut flags = 0u8;
        let mut w = Writer {
            buf: &mut out,
            at: 0,
        };
        w.put(&[WIRE_VERSION, TYPE_LOCATION_PAYLOAD]);
        if self.altitude_cm.is_some() {
            flags |= FLAG_ALTITUDE;
        }
        if self.heading_centideg.is_some() {
            flags |= FLAG_HEADING;
        }
        if self.speed_cm_s.is_some() {
            flags |= FLAG_SPEED;
        }
        w.put(&[flags, self.precision.code()]);
        w.put(&self.latitude_e7.to_be_bytes());
        w.put(&self.longitude_e7.to_be_bytes());
        w.put(&self.accuracy_cm.to_be_bytes());
        w.put(&self.altitude_cm.unwrap_or(0).to_be_bytes());
        w.put(&self.heading_centideg.unwrap_or(0).to_be_bytes());
        w.put(&self.speed_cm_s.unwrap_or(0).to_be_bytes());
        w.put(&self.timestamp_ms.to_be_bytes());
        w.put(&self.sequence.to_be_bytes());
        Ok(out)
    }

    /// Decodes and validates an encoding.
    pub fn decode(bytes: &[u8]) -> Result<Location> {
        if bytes.len() != LOCATION_PAYLOAD_LEN {
            return Err(Error::Malformed);
        }
        let mut r = Reader::new(bytes);
        check_prefix(&mut r, TYPE_LOCATION_PAYLOAD)?;
        let flags = r.u8()?;
        if flags & !(FLAG_ALTITUDE | FLAG_HEADING | FLAG_SPEED) != 0 {
            return Err(Error::Malformed);
        }
        let precision = Precision::from_code(r.u8()?)?;
        let latitude_e7 = i32::from_be_bytes(r.array()?);
        let longitude_e7 = i32::from_be_bytes(r.array()?);
        let accuracy_cm = r.u32()?;
        let altitude = i32::from_be_bytes(r.array()?);
        let heading = r.u16()?;
        let speed = r.u32()?;
        let timestamp_ms = r.u64()?;
        let sequence = r.u32()?;
        let tail = r.rest();
        // An absent field must be zero, and so must the tail.
        let absent_nonzero = (flags & FLAG_ALTITUDE == 0 && altitude != 0)
            || (flags & FLAG_HEADING == 0 && heading != 0)
            || (flags & FLAG_SPEED == 0 && speed != 0);
        if absent_nonzero || tail.iter().any(|&b| b != 0) {
            return Err(Error::Malformed);
        }
        let loc = Location {
            latitude_e7,
            longitude_e7,
            accuracy_cm,
            altitude_cm: (flags & FLAG_ALTITUDE != 0).then_some(altitude),
            heading_centideg: (flags & FLAG_HEADING != 0).then_some(heading),
            speed_cm_s: (flags & FLAG_SPEED != 0).then_some(speed),
            timestamp_ms,
            sequence,
            precision,
        };
        loc.validate()?;
        Ok(loc)
    }
}

/// Writes consecutive fields into a fixed buffer.
struct Writer<'a> {
    buf: &'a mut [u8],
    at: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.at.saturating_add(bytes.len());
        if let Some(dst) = self.buf.get_mut(self.at..end) {
            dst.copy_from_slice(bytes);
        }
        self.at = end;
    }
}
