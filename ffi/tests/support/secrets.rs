//! Where the secrets are in every exported state and distribution message,
//! read from the layouts in `docs/PROTOCOL.md` (§7, §10.1, §12.3) alone.
//!
//! The constant-time harness marks these ranges secret; the zeroization test
//! collects them as needles to search freed memory for. Parsing the
//! documented layout rather than asking the library keeps both independent of
//! the code they check.
// Test support: a layout mismatch is a test failure, reported by panicking.
#![allow(
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::ops::Range;

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    secrets: Vec<Range<usize>>,
}

impl Cursor<'_> {
    fn skip(&mut self, n: usize) -> Range<usize> {
        let r = self.at..self.at + n;
        assert!(
            r.end <= self.bytes.len(),
            "layout runs past the end at {r:?}"
        );
        self.at = r.end;
        r
    }
    fn secret(&mut self, n: usize) {
        let r = self.skip(n);
        self.secrets.push(r);
    }
    fn u8(&mut self) -> usize {
        let r = self.skip(1);
        usize::from(self.bytes[r.start])
    }
    fn u16(&mut self) -> usize {
        let r = self.skip(2);
        usize::from(u16::from_be_bytes([
            self.bytes[r.start],
            self.bytes[r.start + 1],
        ]))
    }
    fn flag(&mut self) -> bool {
        self.u8() == 1
    }
}

/// The byte ranges of every secret in `bytes`, an exported object (plain
/// state types `0x81`–`0x87`) or a distribution message (`0x04`, `0x07`).
/// Panics on anything else: the callers only pass what the library produced.
pub fn secret_ranges(bytes: &[u8]) -> Vec<Range<usize>> {
    let mut c = Cursor {
        bytes,
        at: 2,
        secrets: Vec::new(),
    };
    // States (types 0x81 and up) carry the state version (§7), 0x04;
    // distributions the wire version (§10.1, §12.3), 0x02.
    let expected = if bytes[1] >= 0x81 { 0x04 } else { 0x02 };
    assert_eq!(bytes[0], expected, "version");
    match bytes[1] {
        // Identity: ed25519 seed ‖ x25519 private.
        0x81 => c.secret(64),
        // Prekey store.
        0x82 => {
            c.skip(8);
            // Signed prekey, then its last-resort ML-KEM seed if any.
            let spk = |c: &mut Cursor<'_>| {
                c.skip(4 + 8);
                c.secret(32);
                c.skip(32 + 64);
                if c.flag() {
                    c.secret(64);
                    c.skip(64);
                }
            };
            spk(&mut c);
            if c.flag() {
                spk(&mut c);
                c.skip(8);
            }
            for _ in 0..c.u16() {
                c.skip(4);
                c.secret(32);
                c.skip(32);
            }
            // Accepted base keys: spk id ‖ 16 bytes of a public key.
            let accepted = c.u16();
            c.skip(accepted * 20);
            // Policy ‖ next PQ id, then one-time ML-KEM prekeys:
            // id ‖ created ‖ seed ‖ signature.
            c.skip(1 + 4);
            for _ in 0..c.u16() {
                c.skip(4 + 8);
                c.secret(64);
                c.skip(64);
            }
        }
        // Session.
        0x83 => {
            c.skip(32 + 64);
            c.secret(32); // RK
            c.secret(32); // DHs private
            c.skip(32);
            if c.flag() {
                c.skip(32);
            }
            if c.flag() {
                c.secret(32); // CKs
                c.skip(4);
            }
            c.skip(4);
            if c.flag() {
                c.skip(32);
                c.secret(32); // CKr
                c.skip(4);
            }
            // Pending preamble: flags bit 0 a one-time prekey id, bit 1 the
            // PQXDH part (kind ‖ id ‖ KEM ciphertext).
            if c.flag() {
                c.skip(64 + 32 + 4);
                let flags = c.u8();
                if flags & 1 != 0 {
                    c.skip(4);
                }
                if flags & 2 != 0 {
                    c.skip(1 + 4 + 1568);
                }
            }
            if c.flag() {
                c.skip(32);
            }
            // Closed chains: ratchet key ‖ CK ‖ next ‖ end ‖ closed_at.
            for _ in 0..c.u8() {
                c.skip(32);
                c.secret(32);
                c.skip(16);
            }
            // Skipped keys: ratchet key ‖ n ‖ stored_at ‖ seed.
            for _ in 0..c.u16() {
                c.skip(32 + 4 + 8);
                c.secret(32);
            }
            c.skip(8); // retired_at
            c.skip(1); // post_quantum
        }
        // Group.
        0x84 => {
            let id_len = c.u8();
            c.skip(id_len + 64 + 8);
            c.secret(32); // own chain key
            c.secret(32); // own Ed25519 seed
            for _ in 0..c.u16() {
                c.skip(64);
                for _ in 0..c.u8() {
                    c.skip(4 + 32);
                    c.secret(32);
                    c.skip(4);
                    // Skipped: iteration ‖ stored_at ‖ seed.
                    for _ in 0..c.u16() {
                        c.skip(4 + 8);
                        c.secret(32);
                    }
                    c.skip(8); // retired_at
                }
            }
        }
        // Trust store: identities and ids, nothing secret.
        0x85 => c.at = bytes.len(),
        // Location share.
        0x86 => {
            let ctx_len = c.u8();
            c.skip(ctx_len + 64 + 4 + 8 + 1 + 4);
            for _ in 0..8 {
                c.secret(32);
            }
            c.secret(32); // Ed25519 seed
            let viewers = c.u16();
            c.skip(viewers * 64);
        }
        // Location viewer.
        0x87 => {
            let ctx_len = c.u8();
            c.skip(ctx_len + 64 + 4 + 8 + 4);
            for _ in 0..8 {
                c.secret(32);
            }
            c.skip(32);
            if c.flag() {
                c.secret(48); // the latest location
            }
        }
        // Sender-key distribution: chain id ‖ iteration ‖ chain key ‖ public
        // key ‖ binding.
        0x04 => {
            let id_len = c.u8();
            c.skip(id_len + 8);
            c.secret(32);
            c.skip(32 + 64);
        }
        // Location distribution.
        0x07 => {
            let ctx_len = c.u8();
            c.skip(ctx_len + 4 + 8 + 4);
            for _ in 0..8 {
                c.secret(32);
            }
            c.skip(32 + 64);
        }
        other => panic!("not a state or distribution type: {other:#04x}"),
    }
    assert_eq!(c.at, bytes.len(), "layout does not end where the bytes do");
    c.secrets
}
