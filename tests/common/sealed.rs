//! A service (trust root and signing key) that has certified Alice, and
//! Bob: the cast of the sealed-sender tests.

use sotto::IdentityKeyPair;
use sotto::sealed_sender::{SenderCertificate, ServerCertificate};

use super::TestRng;

pub struct World {
    pub root: IdentityKeyPair,
    pub server: IdentityKeyPair,
    pub server_cert: ServerCertificate,
    pub alice: IdentityKeyPair,
    pub bob: IdentityKeyPair,
    pub cert: SenderCertificate,
}

/// The cast from `seed`: Alice certified as `sender` until `expires_ms`.
pub fn world(seed: u64, sender: &[u8], expires_ms: u64) -> World {
    let mut rng = TestRng::new(seed);
    let root = IdentityKeyPair::generate(&mut rng);
    let server = IdentityKeyPair::generate(&mut rng);
    let server_cert = ServerCertificate::issue(&root, 7, server.public_key());
    let alice = IdentityKeyPair::generate(&mut rng);
    let bob = IdentityKeyPair::generate(&mut rng);
    let cert = SenderCertificate::issue(
        &server,
        &server_cert,
        sender,
        alice.public_key(),
        2,
        expires_ms,
    )
    .unwrap();
    World {
        root,
        server,
        server_cert,
        alice,
        bob,
        cert,
    }
}
