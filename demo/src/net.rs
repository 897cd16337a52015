//! The demo's untrusted server and the devices that talk through it. Each
//! device keeps all of its state in its own store file (`sotto_store`):
//! every encrypt and decrypt is one committed transaction.
//!
//! The server stores public prekey bundles and forwards opaque envelopes; it
//! sees who sends to whom and how many bytes, never content or keys. Inside
//! every pairwise message the demo app frames its own content with one byte:
//! [`TEXT`] for a chat line, [`SENDER_KEY`] for a group's distribution
//! message (which must travel only inside a pairwise session).

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Instant;

use getrandom::SysRng;
use rand_core::UnwrapErr;
use sotto::location::inspect_location_update;
use sotto::{
    Group, IdentityKey, IdentityKeyPair, IdentityStatus, LocationViewer, OneTimePrekeyPublic,
    PqPrekeyPublic, PrekeyBundle, PrekeyStore, TrustRecord, message_kind,
};
use sotto_store::{Error, Store};

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
/// The group's id, and its name in each member's store.
pub(crate) const GROUP: &[u8] = b"Friday trip";

/// What the server forwards: a pairwise message, a group message or a
/// live-location update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Pairwise,
    Group,
    Location,
    /// A content message: a typed envelope with its disappearing timer
    /// (`Store::send`, `Store::receive`).
    Content,
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
    /// Per user: the bundle, its one-time prekeys and its one-time
    /// post-quantum prekeys.
    bundles: HashMap<&'static str, Published>,
    mailboxes: HashMap<&'static str, VecDeque<Envelope>>,
    pub(crate) relayed: usize,
}

type Published = (
    PrekeyBundle,
    VecDeque<OneTimePrekeyPublic>,
    VecDeque<PqPrekeyPublic>,
);

impl Server {
    pub(crate) fn publish(&mut self, d: &Device) {
        let prekeys = d.prekeys();
        let bundle = PrekeyBundle {
            identity: d.public,
            signed_prekey: prekeys.signed_prekey(),
            one_time_prekey: None,
            pq_prekey: prekeys.pq_prekey(),
        };
        let pq = prekeys.pq_one_time_prekeys().into();
        self.bundles
            .insert(d.name, (bundle, prekeys.one_time_prekeys().into(), pq));
    }

    /// Hands out a bundle with one one-time prekey and one one-time
    /// post-quantum prekey, deleting both (the last-resort post-quantum
    /// prekey once those have run out).
    pub(crate) fn fetch(&mut self, user: &str) -> Vec<u8> {
        let (bundle, opks, pq) = self.bundles.get_mut(user).expect("user has published");
        PrekeyBundle {
            one_time_prekey: opks.pop_front(),
            pq_prekey: pq.pop_front().or(bundle.pq_prekey),
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
    /// Everything secret: identity, prekeys, trust records, sessions, the
    /// group, location shares and viewers, inbox and outbox.
    pub(crate) db: Store,
    pub(crate) path: PathBuf,
    /// The store's key, which a real app keeps in the platform keychain.
    key: [u8; 32],
    pub(crate) public: IdentityKey,
    /// Peer identities, as their sessions authenticated them.
    pub(crate) peers: HashMap<&'static str, IdentityKey>,
    /// The iteration of the newest live-location update read, per sender.
    pub(crate) newest: HashMap<&'static str, u32>,
}

impl Device {
    /// A new device: its store file in `dir`, a fresh identity, a signed
    /// prekey and `one_time_prekeys` one-time prekeys, all saved in it.
    pub(crate) fn new(
        rng: &mut Rng,
        name: &'static str,
        dir: &Path,
        one_time_prekeys: usize,
    ) -> Self {
        let mut key = [0u8; 32];
        rand_core::Rng::fill_bytes(rng, &mut key);
        let path = dir.join(format!("{}.db", name.to_lowercase()));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let mut db = Store::open(&path, &key, rng).unwrap();
        let identity = IdentityKeyPair::generate(rng);
        let mut prekeys = PrekeyStore::new(rng, &identity, NOW);
        prekeys
            .generate_one_time_prekeys(rng, one_time_prekeys)
            .unwrap();
        prekeys
            .generate_pq_one_time_prekeys(rng, &identity, one_time_prekeys / 4, NOW)
            .unwrap();
        // The store keeps the trust records itself, under the Block policy.
        db.set_device(rng, &identity, &prekeys).unwrap();
        Device {
            name,
            db,
            path,
            key,
            public: *identity.public_key(),
            peers: HashMap::new(),
            newest: HashMap::new(),
        }
    }

    /// A device whose store was restored from a backup.
    pub(crate) fn from_store(name: &'static str, db: Store, path: PathBuf, key: [u8; 32]) -> Self {
        let public = *db.device_identity().unwrap().public_key();
        Device {
            name,
            db,
            path,
            key,
            public,
            peers: HashMap::new(),
            newest: HashMap::new(),
        }
    }

    /// The app is killed and started again: the store is closed and opened
    /// from its file. Returns the device and the time the opening took (the
    /// key check and SQLite's consistency check included).
    pub(crate) fn restart(self, rng: &mut Rng) -> (Device, f64) {
        let Device {
            name,
            db,
            path,
            key,
            public,
            peers,
            newest,
        } = self;
        drop(db);
        let t = Instant::now();
        let db = Store::open(&path, &key, rng).unwrap();
        let took = micros(t);
        let device = Device {
            name,
            db,
            path,
            key,
            public,
            peers,
            newest,
        };
        (device, took)
    }

    pub(crate) fn identity(&self) -> IdentityKeyPair {
        self.db.device_identity().unwrap()
    }

    pub(crate) fn prekeys(&self) -> PrekeyStore {
        self.db.device_prekeys().unwrap()
    }

    /// The store's trust record of `peer`.
    pub(crate) fn trust_record(&self, peer: &str) -> Option<TrustRecord> {
        self.db.trust_record(peer.as_bytes()).unwrap()
    }

    /// Applies `f` to the group and saves it.
    pub(crate) fn with_group<T>(&mut self, rng: &mut Rng, f: impl FnOnce(&mut Group) -> T) -> T {
        let mut group: Group = self.db.load(GROUP).unwrap();
        let out = f(&mut group);
        self.db.save(rng, GROUP, &group).unwrap();
        out
    }

    /// Starts a session with `peer` from a bundle fetched from the server;
    /// the store checks the bundle's identity against its trust records
    /// first (a changed one is refused until the user accepts it).
    pub(crate) fn connect(
        &mut self,
        rng: &mut Rng,
        server: &mut Server,
        peer: &'static str,
    ) -> Result<IdentityStatus, Error> {
        let bundle = PrekeyBundle::from_bytes(&server.fetch(peer))?;
        let status = self.db.initiate(rng, peer.as_bytes(), &bundle, NOW)?;
        self.peers.insert(peer, bundle.identity);
        Ok(status)
    }

    /// Encrypts tagged content to `to` through the store (the session and
    /// the outbox entry are committed first), posts it, and acknowledges it.
    /// Refused while `to`'s identity is not the trusted one.
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
        let out = self.db.encrypt(rng, to.as_bytes(), &plaintext)?;
        if tag == TEXT {
            println!(
                "    {:<5} → {:<5} {:>4} B encrypted and committed (one flushed commit) in {:>6.1} µs: {:?}",
                self.name,
                to,
                out.message.len(),
                micros(t),
                String::from_utf8_lossy(content),
            );
        }
        let e = Envelope {
            from: self.name,
            kind: Kind::Pairwise,
            bytes: out.message,
        };
        server.post(to, e.clone());
        self.db.ack_outgoing(out.id)?;
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
        rng: &mut Rng,
        server: &mut Server,
        members: &[&'static str],
        text: &str,
    ) -> Envelope {
        let t = Instant::now();
        let out = self.db.group_encrypt(rng, GROUP, text.as_bytes()).unwrap();
        println!(
            "    {:<5} → group {:>4} B encrypted once and committed (one flushed commit) in {:>6.1} µs: {text:?} (fanned out to {})",
            self.name,
            out.message.len(),
            micros(t),
            members.join(", ")
        );
        let e = Envelope {
            from: self.name,
            kind: Kind::Group,
            bytes: out.message,
        };
        for m in members {
            server.post(m, e.clone());
        }
        self.db.ack_outgoing(out.id).unwrap();
        e
    }

    /// Handles one envelope: a pairwise message (which may start a session,
    /// and may carry a chat line, a sender key or a location key), a group
    /// message, or a live-location update.
    pub(crate) fn receive(&mut self, rng: &mut Rng, e: &Envelope) -> Result<(), Error> {
        let t = Instant::now();
        if e.kind == Kind::Location {
            let iteration = inspect_location_update(&e.bytes)?.iteration;
            let fix = self
                .db
                .location_decrypt(rng, e.from.as_bytes(), &e.bytes, NOW)?;
            let missed = self
                .newest
                .get(e.from)
                .map_or(0, |n| iteration.saturating_sub(*n).saturating_sub(1));
            self.newest.insert(e.from, iteration);
            println!(
                "    {:<5} ← {:<5} location #{:<4} ({:.5}, {:.5}) ±{} m, {:>4} missed, caught up, decrypted and committed (one flushed commit) in {:.1} µs",
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
        if e.kind == Kind::Content {
            return self.receive_content(rng, e, NOW * 1000).map(|_| ());
        }
        if e.kind == Kind::Group {
            let from = *self.peers.get(e.from).ok_or(sotto::Error::NotAMember)?;
            let got = self.db.group_decrypt(rng, GROUP, &from, &e.bytes)?;
            println!(
                "    {:<5} ← {:<5} group message {:>4} B verified, decrypted and committed (one flushed commit) in {:>6.1} µs: {:?}",
                self.name,
                e.from,
                e.bytes.len(),
                micros(t),
                String::from_utf8_lossy(&got.plaintext)
            );
            self.db.ack_incoming(got.id)?;
            return Ok(());
        }
        let kind = message_kind(&e.bytes)?;
        // The store routes it to the session its keys name (or sets one up,
        // checking trust once it decrypted) and says who really sent it.
        let got = self.db.decrypt(rng, e.from.as_bytes(), &e.bytes, NOW)?;
        if let Some(previous) = got.identity_change {
            println!(
                "    {:<5} ! {}'s identity changed (was {previous:?})",
                self.name, e.from
            );
        }
        if let Some(sender) = got.sender {
            self.peers.insert(e.from, sender);
        }
        let (tag, content) = got.plaintext.split_first().ok_or(sotto::Error::Malformed)?;
        match *tag {
            TEXT => println!(
                "    {:<5} ← {:<5} {:>4} B decrypted and committed (one flushed commit) in {:>6.1} µs ({:?}): {:?}",
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
                self.db.save(rng, e.from.as_bytes(), &viewer)?;
                println!(
                    "    {:<5} ← {:<5} live-location key received over their session",
                    self.name, e.from
                );
            }
            SENDER_KEY => {
                let from = self.peers[e.from];
                self.with_group(rng, |g| g.process_distribution(&from, content))?;
                println!(
                    "    {:<5} ← {:<5} sender key received over their session",
                    self.name, e.from
                );
            }
            _ => return Err(sotto::Error::Malformed.into()),
        }
        self.db.ack_incoming(got.id)?;
        Ok(())
    }

    /// Sends typed content to `to` at `now_ms` under the conversation's
    /// disappearing timer, posts it and acknowledges it.
    pub(crate) fn send_content(
        &mut self,
        rng: &mut Rng,
        server: &mut Server,
        to: &'static str,
        content: &sotto::Content,
        now_ms: u64,
    ) -> Envelope {
        let t = Instant::now();
        let sent = self.db.send(rng, to.as_bytes(), content, now_ms).unwrap();
        println!(
            "    {:<5} → {:<5} {:>4} B encrypted and committed (one flushed commit) in {:>6.1} µs: {}{}",
            self.name,
            to,
            sent.outgoing.message.len(),
            micros(t),
            describe(content),
            sent.outgoing
                .expires_at_ms
                .map(|at| format!(", disappears at {}", clock(at)))
                .unwrap_or_default()
        );
        let e = Envelope {
            from: self.name,
            kind: Kind::Content,
            bytes: sent.outgoing.message,
        };
        server.post(to, e.clone());
        self.db.ack_outgoing(sent.outgoing.id).unwrap();
        e
    }

    /// Receives a content message at `now_ms`; the app keeps it in the
    /// store's inbox (it is not acknowledged), so a purge can be seen.
    pub(crate) fn receive_content(
        &mut self,
        rng: &mut Rng,
        e: &Envelope,
        now_ms: u64,
    ) -> Result<sotto_store::Incoming, Error> {
        let t = Instant::now();
        let got = self.db.receive(rng, e.from.as_bytes(), &e.bytes, now_ms)?;
        let what = match (&got.envelope, got.expired) {
            (_, true) => {
                "expired before it arrived: decrypted (the session moved on), not shown, not kept"
                    .to_string()
            }
            (Some(env), false) => format!(
                "{}{}",
                describe(&env.content),
                got.expires_at_ms
                    .map(|at| format!(", disappears at {}", clock(at)))
                    .unwrap_or_default()
            ),
            (None, false) => "?".to_string(),
        };
        println!(
            "    {:<5} ← {:<5} {:>4} B decrypted and committed (one flushed commit) in {:>6.1} µs: {what}",
            self.name,
            e.from,
            e.bytes.len(),
            micros(t),
        );
        Ok(got)
    }

    /// Delivers everything waiting in this device's mailbox.
    pub(crate) fn receive_all(&mut self, rng: &mut Rng, server: &mut Server) {
        for e in server.take_all(self.name) {
            self.receive(rng, &e).unwrap();
        }
    }
}

pub(crate) fn micros(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e6
}

/// What a content message says, for the transcript.
pub(crate) fn describe(content: &sotto::Content) -> String {
    match content {
        sotto::Content::Text(t) => format!("{:?}", t.as_str()),
        sotto::Content::TimerChange(0) => "disappearing messages turned off".to_string(),
        sotto::Content::TimerChange(d) => {
            format!("disappearing messages on: {} hours after sending", d / 3600)
        }
        other => format!("{other:?}"),
    }
}

/// A time in milliseconds since the epoch as a UTC clock reading.
pub(crate) fn clock(ms: u64) -> String {
    let secs = ms / 1000;
    let days = secs / 86_400 - NOW / 86_400;
    format!(
        "day {} {:02}:{:02}:{:02} UTC",
        days,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}
