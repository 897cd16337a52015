//! The demo's untrusted server and the devices that talk through it.
//!
//! The server stores public prekey bundles and forwards opaque envelopes; it
//! sees who sends to whom and how many bytes, never content or keys. Inside
//! every pairwise message the demo app frames its own content with one byte:
//! [`TEXT`] for a chat line, [`SENDER_KEY`] for a group's distribution
//! message (which must travel only inside a pairwise session).

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use getrandom::SysRng;
use rand_core::UnwrapErr;
use sotto::location::inspect_location_update;
use sotto::{
    Error, Group, IdentityKey, IdentityKeyPair, IdentityStatus, LocationViewer, MessageKind,
    OneTimePrekeyPublic, PrekeyBundle, PrekeyStore, Session, TrustPolicy, TrustStore,
    inspect_prekey_message, message_kind,
};

pub(crate) type Rng = UnwrapErr<SysRng>;
pub(crate) const NOW: u64 = 1_800_000_000;
/// Content tag of a chat line inside a pairwise message.
pub(crate) const TEXT: u8 = 0;
/// Content tag of a sender-key distribution inside a pairwise message.
pub(crate) const SENDER_KEY: u8 = 1;
/// Content tag of a live-location distribution inside a pairwise message.
pub(crate) const LOCATION_KEY: u8 = 2;
/// The conversation id live locations are shared in.
pub(crate) const LOCATION_CONTEXT: &[u8] = b"Friday trip";

/// What the server forwards: a pairwise message, a group message or a
/// live-location update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Pairwise,
    Group,
    Location,
}

/// What travels through the server.
#[derive(Clone, Debug)]
pub(crate) struct Envelope {
    pub(crate) from: &'static str,
    pub(crate) kind: Kind,
    pub(crate) bytes: Vec<u8>,
}

#[derive(Default)]
pub(crate) struct Server {
    bundles: HashMap<&'static str, (PrekeyBundle, VecDeque<OneTimePrekeyPublic>)>,
    mailboxes: HashMap<&'static str, VecDeque<Envelope>>,
    pub(crate) relayed: usize,
}

impl Server {
    pub(crate) fn publish(&mut self, d: &Device) {
        let bundle = PrekeyBundle {
            identity: *d.identity.public_key(),
            signed_prekey: d.store.signed_prekey(),
            one_time_prekey: None,
        };
        self.bundles
            .insert(d.name, (bundle, d.store.one_time_prekeys().into()));
    }

    /// Hands out a bundle with one one-time prekey, deleting it.
    pub(crate) fn fetch(&mut self, user: &str) -> Vec<u8> {
        let (bundle, opks) = self.bundles.get_mut(user).expect("user has published");
        PrekeyBundle {
            one_time_prekey: opks.pop_front(),
            ..*bundle
        }
        .to_bytes()
    }

    pub(crate) fn post(&mut self, to: &'static str, e: Envelope) {
        self.relayed += e.bytes.len();
        self.mailboxes.entry(to).or_default().push_back(e);
    }

    pub(crate) fn take_all(&mut self, user: &str) -> Vec<Envelope> {
        self.mailboxes
            .get_mut(user)
            .map(|q| q.drain(..).collect())
            .unwrap_or_default()
    }
}

pub(crate) struct Device {
    pub(crate) name: &'static str,
    pub(crate) identity: IdentityKeyPair,
    pub(crate) store: PrekeyStore,
    pub(crate) sessions: HashMap<&'static str, Session>,
    /// Peer identities, as their sessions authenticated them.
    pub(crate) peers: HashMap<&'static str, IdentityKey>,
    pub(crate) group: Option<Group>,
    /// Who is who: identities seen per contact, verified or not.
    pub(crate) trust: TrustStore,
    /// Live locations shared with this device, per sender, with the
    /// iteration of the newest update read.
    pub(crate) viewing: HashMap<&'static str, (LocationViewer, Option<u32>)>,
}

impl Device {
    pub(crate) fn new(rng: &mut Rng, name: &'static str, one_time_prekeys: usize) -> Self {
        let identity = IdentityKeyPair::generate(rng);
        let mut store = PrekeyStore::new(rng, &identity, NOW);
        store
            .generate_one_time_prekeys(rng, one_time_prekeys)
            .unwrap();
        Device {
            name,
            identity,
            store,
            sessions: HashMap::new(),
            peers: HashMap::new(),
            group: None,
            trust: TrustStore::new(TrustPolicy::Block),
            viewing: HashMap::new(),
        }
    }

    /// Starts a session with `peer` from a bundle fetched from the server,
    /// checking the bundle's identity against the trust store first.
    pub(crate) fn connect(
        &mut self,
        rng: &mut Rng,
        server: &mut Server,
        peer: &'static str,
    ) -> IdentityStatus {
        let bundle = PrekeyBundle::from_bytes(&server.fetch(peer)).unwrap();
        let status = self
            .trust
            .observe(peer.as_bytes(), &bundle.identity, NOW)
            .unwrap();
        let session = Session::initiate(rng, &self.identity, &bundle).unwrap();
        self.peers.insert(peer, *session.remote_identity());
        self.sessions.insert(peer, session);
        status
    }

    /// Encrypts tagged content to `to` over the pairwise session.
    pub(crate) fn send_pairwise(
        &mut self,
        rng: &mut Rng,
        server: &mut Server,
        to: &'static str,
        tag: u8,
        content: &[u8],
    ) -> Result<Envelope, Error> {
        let mut plaintext = vec![tag];
        plaintext.extend_from_slice(content);
        let t = Instant::now();
        let bytes = self
            .sessions
            .get_mut(to)
            .ok_or(Error::SessionMismatch)?
            .encrypt_checked(rng, &self.trust, to.as_bytes(), &plaintext)?;
        if tag == TEXT {
            println!(
                "    {:<5} → {:<5} encrypted {:>4} B in {:>6.1} µs: {:?} ({} B of overhead)",
                self.name,
                to,
                bytes.len(),
                micros(t),
                String::from_utf8_lossy(content),
                bytes.len() - content.len()
            );
        }
        let e = Envelope {
            from: self.name,
            kind: Kind::Pairwise,
            bytes,
        };
        server.post(to, e.clone());
        Ok(e)
    }

    /// Sends a chat line to `to`.
    pub(crate) fn say(
        &mut self,
        rng: &mut Rng,
        server: &mut Server,
        to: &'static str,
        text: &str,
    ) -> Envelope {
        self.send_pairwise(rng, server, to, TEXT, text.as_bytes())
            .unwrap()
    }

    /// Encrypts once for the whole group; the server fans the ciphertext out.
    pub(crate) fn say_to_group(
        &mut self,
        server: &mut Server,
        members: &[&'static str],
        text: &str,
    ) -> Envelope {
        let t = Instant::now();
        let bytes = self
            .group
            .as_mut()
            .unwrap()
            .encrypt(text.as_bytes())
            .unwrap();
        println!(
            "    {:<5} → group encrypted {:>4} B once in {:>6.1} µs: {text:?} (fanned out to {})",
            self.name,
            bytes.len(),
            micros(t),
            members.join(", ")
        );
        let e = Envelope {
            from: self.name,
            kind: Kind::Group,
            bytes,
        };
        for m in members {
            server.post(m, e.clone());
        }
        e
    }

    /// Handles one envelope: a pairwise message (which may start a session,
    /// and may carry a chat line or a sender key) or a group message.
    pub(crate) fn receive(&mut self, e: &Envelope) -> Result<(), Error> {
        let t = Instant::now();
        if e.kind == Kind::Location {
            let (viewer, newest) = self
                .viewing
                .get_mut(e.from)
                .ok_or(Error::UnknownSenderKey)?;
            let iteration = inspect_location_update(&e.bytes)?.iteration;
            let fix = viewer.decrypt(&e.bytes, NOW)?;
            let missed = newest.map_or(0, |n| iteration.saturating_sub(n).saturating_sub(1));
            *newest = Some(iteration);
            println!(
                "    {:<5} ← {:<5} location #{:<3} ({:.5}, {:.5}) ±{} m, {} missed, caught up and decrypted in {:.1} µs",
                self.name,
                e.from,
                fix.sequence,
                f64::from(fix.latitude_e7) / 1e7,
                f64::from(fix.longitude_e7) / 1e7,
                fix.accuracy_cm / 100,
                missed,
                micros(t)
            );
            return Ok(());
        }
        if e.kind == Kind::Group {
            let from = *self.peers.get(e.from).ok_or(Error::NotAMember)?;
            let text = self
                .group
                .as_mut()
                .ok_or(Error::NotAMember)?
                .decrypt(&from, &e.bytes)?;
            println!(
                "    {:<5} ← {:<5} group message {:>4} B verified and decrypted in {:>6.1} µs: {:?}",
                self.name,
                e.from,
                e.bytes.len(),
                micros(t),
                String::from_utf8_lossy(&text)
            );
            return Ok(());
        }
        let kind = message_kind(&e.bytes)?;
        let plaintext = match self.sessions.get_mut(e.from).map(|s| s.decrypt(&e.bytes)) {
            Some(Err(Error::SessionMismatch)) | None if kind == MessageKind::Prekey => {
                // The first message of a new session: X3DH as the responder,
                // after checking the identity it claims.
                let claimed = inspect_prekey_message(&e.bytes)?.identity;
                if let IdentityStatus::Changed { .. } =
                    self.trust.observe(e.from.as_bytes(), &claimed, NOW)?
                {
                    println!("    {:<5} ! {}'s identity has changed", self.name, e.from);
                }
                let accepted = self.store.accept(&self.identity, &e.bytes, NOW)?;
                self.peers
                    .insert(e.from, *accepted.session.remote_identity());
                self.sessions.insert(e.from, accepted.session);
                accepted.plaintext
            }
            Some(result) => result?,
            None => return Err(Error::SessionMismatch),
        };
        let (tag, content) = plaintext.split_first().ok_or(Error::Malformed)?;
        match *tag {
            TEXT => println!(
                "    {:<5} ← {:<5} decrypted {:>4} B in {:>6.1} µs ({:?}): {:?}",
                self.name,
                e.from,
                e.bytes.len(),
                micros(t),
                kind,
                String::from_utf8_lossy(content)
            ),
            LOCATION_KEY => {
                let from = self.peers[e.from];
                let viewer = LocationViewer::new(LOCATION_CONTEXT, &from, content)?;
                self.viewing.insert(e.from, (viewer, None));
                println!(
                    "    {:<5} ← {:<5} live-location key received over their session",
                    self.name, e.from
                );
            }
            SENDER_KEY => {
                let from = self.peers[e.from];
                self.group
                    .as_mut()
                    .ok_or(Error::NotAMember)?
                    .process_distribution(&from, content)?;
                println!(
                    "    {:<5} ← {:<5} sender key received over their session",
                    self.name, e.from
                );
            }
            _ => return Err(Error::Malformed),
        }
        Ok(())
    }

    /// Delivers everything waiting in this device's mailbox.
    pub(crate) fn receive_all(&mut self, server: &mut Server) {
        for e in server.take_all(self.name) {
            self.receive(&e).unwrap();
        }
    }
}

pub(crate) fn micros(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e6
}
