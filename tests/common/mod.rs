//! Helpers shared by the integration tests and benchmarks.
#![allow(dead_code, unreachable_pub, missing_docs)]

pub mod sealed;

use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};
use sha2::{Digest, Sha256};

/// A deterministic random number generator for tests and known-answer
/// vectors: SHA-256 in counter mode over a seed. Never use it outside tests.
pub struct TestRng {
    seed: [u8; 32],
    counter: u64,
    buf: [u8; 32],
    used: usize,
}

impl TestRng {
    pub fn new(seed: u64) -> Self {
        let mut s = [0u8; 32];
        s[..8].copy_from_slice(&seed.to_be_bytes());
        TestRng {
            seed: s,
            counter: 0,
            buf: [0; 32],
            used: 32,
        }
    }
}

impl TryRng for TestRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for byte in dst {
            if self.used == 32 {
                let mut h = Sha256::new();
                h.update(b"sotto test rng");
                h.update(self.seed);
                h.update(self.counter.to_be_bytes());
                self.buf = h.finalize().into();
                self.counter += 1;
                self.used = 0;
            }
            *byte = self.buf[self.used];
            self.used += 1;
        }
        Ok(())
    }
}

impl TryCryptoRng for TestRng {}

use sotto::{IdentityKeyPair, PrekeyBundle, PrekeyStore, Session};

/// The clock every test passes in, seconds since the Unix epoch.
pub const NOW: u64 = 1_800_000_000;

/// A device: its identity and its prekey store.
pub struct Device {
    pub identity: IdentityKeyPair,
    pub store: PrekeyStore,
}

/// A new device whose store holds `one_time_prekeys` one-time prekeys.
pub fn device(rng: &mut TestRng, one_time_prekeys: usize) -> Device {
    let identity = IdentityKeyPair::generate(rng);
    let mut store = PrekeyStore::new(rng, &identity, NOW);
    store
        .generate_one_time_prekeys(rng, one_time_prekeys)
        .unwrap();
    Device { identity, store }
}

impl Device {
    /// The bundle a server would hand out, with the first one-time prekey if
    /// asked, and the last-resort post-quantum prekey (PQXDH).
    pub fn bundle(&self, with_one_time_prekey: bool) -> PrekeyBundle {
        PrekeyBundle {
            pq_prekey: self.store.pq_prekey(),
            ..self.x3dh_bundle(with_one_time_prekey)
        }
    }

    /// [`Device::bundle`] without the post-quantum prekey (a peer that has
    /// not published one: X3DH).
    pub fn x3dh_bundle(&self, with_one_time_prekey: bool) -> PrekeyBundle {
        PrekeyBundle {
            identity: *self.identity.public_key(),
            signed_prekey: self.store.signed_prekey(),
            one_time_prekey: if with_one_time_prekey {
                self.store.one_time_prekeys().first().copied()
            } else {
                None
            },
            pq_prekey: None,
        }
    }
}

/// An established session pair and the prekey message that set it up.
pub struct Established {
    pub alice: Session,
    pub bob: Session,
    pub first: Vec<u8>,
}

/// Alice initiates from Bob's bundle and sends `text`; Bob accepts it.
pub fn establish(
    rng: &mut TestRng,
    alice: &IdentityKeyPair,
    bob: &mut Device,
    with_one_time_prekey: bool,
    text: &[u8],
) -> Established {
    let bundle = bob.bundle(with_one_time_prekey);
    establish_from(rng, alice, bob, &bundle, text)
}

/// [`establish`] from a given bundle of Bob's.
pub fn establish_from(
    rng: &mut TestRng,
    alice: &IdentityKeyPair,
    bob: &mut Device,
    bundle: &PrekeyBundle,
    text: &[u8],
) -> Established {
    let mut a = Session::initiate(rng, alice, bundle).unwrap();
    let first = a.encrypt(rng, text).unwrap();
    let accepted = bob.store.accept(&bob.identity, &first, NOW).unwrap();
    assert_eq!(accepted.plaintext, text);
    Established {
        alice: a,
        bob: accepted.session,
        first,
    }
}

use sotto::{Group, IdentityKey};

/// A group of `n` parties, each with its own view, every distribution
/// processed by every other member.
pub struct Party {
    pub identity: IdentityKey,
    pub group: Group,
}

pub const GROUP_ID: &[u8] = b"test group";

pub fn group(rng: &mut TestRng, n: usize) -> Vec<Party> {
    let pairs: Vec<IdentityKeyPair> = (0..n).map(|_| IdentityKeyPair::generate(rng)).collect();
    let ids: Vec<IdentityKey> = pairs.iter().map(|p| *p.public_key()).collect();
    let mut parties: Vec<Party> = pairs
        .iter()
        .map(|me| {
            let me_id = me.public_key();
            let others: Vec<IdentityKey> = ids.iter().filter(|o| *o != me_id).copied().collect();
            Party {
                identity: *me_id,
                group: Group::new(rng, me, GROUP_ID, &others).unwrap(),
            }
        })
        .collect();
    for i in 0..n {
        let d = parties[i].group.distribution();
        let from = parties[i].identity;
        for (j, p) in parties.iter_mut().enumerate() {
            if j != i {
                p.group.process_distribution(&from, &d).unwrap();
            }
        }
    }
    parties
}

/// Byte offsets in a group's plain state encoding (`docs/PROTOCOL.md`):
/// version, type, id length, id, owner identity, then our chain id,
/// iteration, chain key and signing seed.
pub fn own_iteration_offset(group_id_len: usize) -> usize {
    3 + group_id_len + 64 + 4
}

/// An insider's forgery: the group's own chain (id, position and chain key,
/// all of which every member who processed its distribution knows) with
/// another signing key.
pub fn forger(g: &Group) -> Group {
    let mut bytes = g.to_bytes().to_vec();
    let at = own_iteration_offset(g.id().len()) + 4 + 32;
    bytes[at..at + 32].copy_from_slice(&[0x5a; 32]);
    Group::from_bytes(&bytes).unwrap()
}
