//! "Download your data": the account report, a JSON document of what this
//! device holds about the account, for a person to read. Never a key, never
//! message content: identities appear as fingerprints, messages as counts.
//!
//! ```text
//! fingerprint(identity) = lowercase hex of SHA-256(identity public key, 64 bytes)
//! times                 = RFC 3339 in UTC, to the second ("2027-01-15T10:00:00Z"), or null
//! ids                   = the app's name as UTF-8 text (null if it is not UTF-8) and as hex
//! ```
//!
//! The document's layout is versioned ([`REPORT_VERSION`]) and described by
//! the JSON Schema in `docs/account-report.schema.json`; `docs/PROTOCOL.md`
//! shows an example.

use std::string::String;
use std::vec::Vec;

use crate::json::{Value, obj};
use rusqlite::Connection;

use super::conversations::{KIND_CONTACT, KIND_GROUP, Row};
use super::devices;
use super::objects::{self, Stored};
use super::trust::ContactTrust;
use super::{Keys, Store, storage_error};
use crate::error::{Error, Result};
use sotto::{
    DisappearingTimer, Group, IdentityKey, IdentityKeyPair, LocationShare, LocationViewer,
    SessionRecord, TrustPolicy, crypto,
};

/// The version of the report's layout.
pub const REPORT_VERSION: u32 = 2;

fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write;
    let mut s = String::with_capacity(bytes.len().saturating_mul(2));
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The report's name of a device kind.
fn kind_name(kind: sotto::devices::DeviceKind) -> &'static str {
    match kind {
        sotto::devices::DeviceKind::Primary => "primary",
        sotto::devices::DeviceKind::Companion => "companion",
        sotto::devices::DeviceKind::Hosted => "hosted",
    }
}

fn fingerprint(identity: &IdentityKey) -> String {
    hex(&crypto::sha256(&[&identity.to_bytes()]))
}

/// Seconds since the epoch as RFC 3339 UTC (civil-from-days, proleptic
/// Gregorian), clamped to the end of the year 9999.
// Every intermediate is bounded by the clamp: days < 2,932,897.
#[allow(clippy::arithmetic_side_effects)]
fn rfc3339(secs: u64) -> Value {
    let secs = secs.min(sotto::envelope::MAX_TIMESTAMP_MS / 1000);
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    Value::String(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
}

fn time_ms(ms: u64) -> Value {
    rfc3339(ms / 1000)
}

fn name(bytes: &[u8]) -> (Value, Value) {
    let text = match core::str::from_utf8(bytes) {
        Ok(s) => Value::String(s.into()),
        Err(_) => Value::Null,
    };
    (text, Value::String(hex(bytes)))
}

fn timer(t: &DisappearingTimer) -> Value {
    obj! {
        "enabled" => t.is_on(),
        "duration_seconds" => t.duration_secs,
        "set_at" => if t.set_at_ms == 0 { Value::Null } else { time_ms(t.set_at_ms) },
    }
}

fn status(expires_at: u64, now: u64) -> &'static str {
    if expires_at > now { "active" } else { "ended" }
}

fn exists(conn: &Connection, keys: &Keys, kind: u8, name: &[u8]) -> Result<bool> {
    let row = keys.row_name(kind, name);
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM objects WHERE kind = ?1 AND row = ?2)",
        rusqlite::params![kind, &row[..]],
        |r| r.get(0),
    )
    .map_err(storage_error)
}

fn count(conn: &Connection, table: &str) -> Result<u64> {
    let n: i64 = conn
        .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .map_err(storage_error)?;
    u64::try_from(n).map_err(|_| Error::Corrupt)
}

impl Store {
    /// The account report at `now_ms` (milliseconds since the epoch), as
    /// pretty-printed JSON: the account's identity and creation time, its
    /// devices, every contact (identity fingerprint, first seen, verified,
    /// identity changes), groups and their members, live-location shares,
    /// disappearing-timer settings and how many messages wait in the inbox
    /// and outbox. It holds no key and no message content.
    pub fn account_report(&self, now_ms: u64) -> Result<String> {
        let conn = &self.conn;
        let keys = &self.keys;
        let now = now_ms / 1000;
        let identity = match objects::load_device::<IdentityKeyPair>(conn, keys) {
            Ok(id) => Some(*id.public_key()),
            Err(Error::NoDeviceIdentity) => None,
            Err(e) => return Err(e),
        };
        let created: Option<i64> = conn
            .query_row(
                "SELECT value FROM meta WHERE name = 'created_at'",
                [],
                |r| r.get(0),
            )
            .ok();
        let account_fp = identity.as_ref().map(fingerprint);
        // Our account's devices from its signed list, else this device alone.
        let devices: Vec<Value> = match devices::load_own(conn, keys)? {
            Some(own) => own
                .devices()
                .devices
                .iter()
                .map(|d| {
                    let which = if Some(d.identity) == identity {
                        "this device".to_string()
                    } else {
                        format!("device {}", d.index)
                    };
                    obj! { "device" => which, "kind" => kind_name(d.kind), "identity_fingerprint" => fingerprint(&d.identity) }
                })
                .collect(),
            None => account_fp
                .iter()
                .map(|fp| {
                    obj! { "device" => "this device", "kind" => "primary", "identity_fingerprint" => fp.clone() }
                })
                .collect(),
        };

        // Contacts: trust records and conversation rows, by name.
        let mut names: Vec<Vec<u8>> = Vec::new();
        let trusts = objects::all::<ContactTrust>(conn, keys)?;
        for t in &trusts {
            for (c, _) in t.0.records() {
                names.push(c.to_vec());
            }
        }
        let rows = objects::all::<Row<KIND_CONTACT>>(conn, keys)?;
        names.extend(rows.iter().map(|r| r.name.clone()));
        names.sort();
        names.dedup();
        let mut contacts = Vec::with_capacity(names.len());
        for c in &names {
            let record = trusts.iter().find_map(|t| t.0.record(c).copied());
            let row = rows.iter().find(|r| &r.name == c);
            let (id, id_hex) = name(c);
            let changes: Vec<Value> = row
                .map(|r| {
                    r.changes
                        .iter()
                        .map(|ch| {
                            obj! {
                                "previous_fingerprint" => fingerprint(&ch.previous),
                                "new_fingerprint" => fingerprint(&ch.new),
                                "at" => rfc3339(ch.at),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            let listed = devices::load_row(conn, keys, c)?;
            let contact_devices: Vec<Value> = listed
                .as_ref()
                .map(|row| {
                    row.devices()
                        .devices
                        .iter()
                        .map(|d| {
                            obj! {
                                "index" => d.index,
                                "kind" => kind_name(d.kind),
                                "identity_fingerprint" => fingerprint(&d.identity),
                                "added_at" => rfc3339(d.added_at),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            let hosted = listed
                .as_ref()
                .is_some_and(|row| row.devices().any_hosted());
            contacts.push(obj! {
                "id" => id,
                "id_hex" => id_hex,
                "devices" => contact_devices,
                "hosted" => hosted,
                "identity_fingerprint" => record.map(|r| fingerprint(&r.identity)),
                "first_seen" => record.map(|r| rfc3339(r.first_seen)),
                "verified" => record.is_some_and(|r| r.verified),
                "pending_identity_change" => record.and_then(|r| r.pending).map(|p| obj! {
                    "identity_fingerprint" => fingerprint(&p.identity),
                    "seen_at" => rfc3339(p.seen_at),
                }),
                "identity_changes" => changes,
                "has_session" => exists(conn, keys, SessionRecord::KIND, c)?,
                "disappearing_timer" => timer(&row.map(|r| r.timer).unwrap_or_default()),
            });
        }

        let group_rows = objects::all::<Row<KIND_GROUP>>(conn, keys)?;
        let mut groups = Vec::new();
        for g in objects::all::<Group>(conn, keys)? {
            let row = group_rows.iter().find(|r| r.name == g.id());
            let (id, id_hex) = name(g.id());
            let members: Vec<String> = g.members().map(fingerprint).collect();
            groups.push(obj! {
                "id" => id,
                "id_hex" => id_hex,
                "members" => members,
                "joined_at" => row.map(|r| time_ms(r.started_at_ms)),
                "disappearing_timer" => timer(&row.map(|r| r.timer).unwrap_or_default()),
            });
        }

        let shares: Vec<Value> = objects::all::<LocationShare>(conn, keys)?
            .iter()
            .map(|s| {
                let (context, context_hex) = name(s.context());
                obj! {
                    "context" => context,
                    "context_hex" => context_hex,
                    "viewer_fingerprints" => s.viewers().iter().map(fingerprint).collect::<Vec<_>>(),
                    "expires_at" => rfc3339(s.expires_at()),
                    "status" => status(s.expires_at(), now),
                }
            })
            .collect();
        let views: Vec<Value> = objects::all::<LocationViewer>(conn, keys)?
            .iter()
            .map(|v| {
                let (context, context_hex) = name(v.context());
                obj! {
                    "context" => context,
                    "context_hex" => context_hex,
                    "sharer_fingerprint" => fingerprint(v.sender()),
                    "expires_at" => rfc3339(v.expires_at()),
                    "status" => status(v.expires_at(), now),
                }
            })
            .collect();

        // Sessions the app saved under names no trust or conversation row
        // gives (their names are keyed hashes): counted, not named.
        let sessions: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM objects WHERE kind = ?1",
                [SessionRecord::KIND],
                |r| r.get(0),
            )
            .map_err(storage_error)?;
        let mut listed = 0i64;
        for c in &names {
            if exists(conn, keys, SessionRecord::KIND, c)? {
                listed = listed.saturating_add(1);
            }
        }
        let unlisted = u64::try_from(sessions.saturating_sub(listed)).unwrap_or(0);

        let policy = match super::trust::policy(conn, keys)? {
            TrustPolicy::Block => "block",
            TrustPolicy::Warn => "warn",
        };
        let report = obj! {
            "report_version" => REPORT_VERSION,
            "generated_at" => time_ms(now_ms),
            "account" => obj! {
                "identity_fingerprint" => account_fp,
                "created_at" => created.and_then(|c| u64::try_from(c).ok()).map(rfc3339),
                "devices" => devices,
            },
            "identity_change_policy" => policy,
            "contacts" => contacts,
            "groups" => groups,
            "location_shares" => shares,
            "location_views" => views,
            "sessions_without_contact_record" => unlisted,
            "pending_messages" => obj! {
                "incoming" => count(conn, "inbox")?,
                "outgoing" => count(conn, "outbox")?,
            },
        };
        Ok(report.to_pretty())
    }
}
