//! The fuzz targets' bodies, as plain functions: cargo-fuzz runs them from
//! `fuzz_targets/`, and the project's tests replay the committed corpora
//! through the same functions (`tests/fuzz_corpus.rs`,
//! `ffi/tests/fuzz_corpus.rs`).

pub mod calls;
pub mod ffi_target;
pub mod media;
pub mod pqxdh;
pub mod sealed_sender;
pub mod targets;

#[cfg(test)]
mod seeds {
    use std::path::Path;

    use crate::{calls, media, pqxdh, sealed_sender};

    /// Every seed runs clean through its target, and is what it claims to
    /// be: a stream, blob or backup that decrypts.
    #[test]
    fn media_seeds_run_clean() {
        use sotto::backup::{BackupDecryptor, BackupKey, BackupSecret};
        use sotto::chunked::ChunkReader;
        use sotto::envelope::AttachmentDescriptor;

        for (target, name, input) in media::seeds() {
            let body = &input[9..];
            match (target, name.as_str()) {
                ("chunked", _) => {
                    ChunkReader::open(body, &media::CHUNKED_KEY, media::CHUNKED_CONTEXT).unwrap();
                }
                ("attachment", _) => {
                    let descriptor = AttachmentDescriptor {
                        key: sotto::Zeroizing::new(body[..32].try_into().unwrap()),
                        ciphertext_sha256: body[32..64].try_into().unwrap(),
                        plaintext_len: u64::from_be_bytes(body[64..72].try_into().unwrap()),
                        media_type: "application/octet-stream".into(),
                        thumbnail: None,
                        dimensions: None,
                        duration_ms: None,
                    };
                    sotto::attachment::decrypt(&descriptor, &body[72..]).unwrap();
                }
                ("backup", n) if n.starts_with("seed-key-") && !n.ends_with("digits") => {
                    let key = BackupKey::from_bytes(&media::BACKUP_KEY);
                    let mut d = BackupDecryptor::new(BackupSecret::Key(&key)).unwrap();
                    let mut out = vec![0u8; d.update_len(body.len()).unwrap()];
                    d.update(body, &mut out).unwrap();
                    let mut last = vec![0u8; d.finish_len()];
                    d.finish(&mut last).unwrap();
                }
                _ => {}
            }
            let f: fn(&[u8]) = match target {
                "chunked" => media::chunked,
                "attachment" => media::attachment,
                "backup" => media::backup,
                _ => unreachable!("{target}"),
            };
            f(&input);
            println!("{target}/{name}: {} bytes", input.len());
        }
    }

    /// Writes the seeds into `fuzz/corpus/TARGET/`:
    /// `cargo test --lib -- --ignored write_media_seeds` in `fuzz/`.
    #[test]
    #[ignore = "writes the media targets' seed inputs into the corpora"]
    fn write_media_seeds() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        for (target, name, input) in media::seeds() {
            let dir = root.join(target);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(name), input).unwrap();
        }
    }

    /// Every calls seed runs clean through its target, and the frames are
    /// what they claim to be: each SFrame seed decrypts, each signalling
    /// body decodes.
    #[test]
    fn calls_seeds_run_clean() {
        use sotto::calls::sframe::SframeDecryptor;

        for (target, name, input) in calls::seeds() {
            match target {
                "sframe" if !name.starts_with("seed-group") && name != "seed-rfc-headers" => {
                    let mut d = SframeDecryptor::new(calls::SUITES[usize::from(input[0])]);
                    for (kid, key) in calls::sframe_keys() {
                        d.add_key(kid, key).unwrap();
                    }
                    let m = usize::from(input[1]);
                    let frame = &input[2 + m..];
                    let mut out = vec![0u8; frame.len()];
                    d.decrypt(&input[2..2 + m], frame, &mut out).unwrap();
                    calls::sframe(&input);
                }
                "sframe" => calls::sframe(&input),
                "call_signal" => {
                    if name != "seed-guard" {
                        sotto::Content::from_body(5, &input).unwrap();
                    }
                    calls::call_signal(&input);
                }
                _ => unreachable!("{target}"),
            }
            println!("{target}/{name}: {} bytes", input.len());
        }
    }

    /// Writes the seeds into `fuzz/corpus/TARGET/`:
    /// `cargo test --lib -- --ignored write_calls_seeds` in `fuzz/`.
    #[test]
    #[ignore = "writes the calls targets' seed inputs into the corpora"]
    fn write_calls_seeds() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        for (target, name, input) in calls::seeds() {
            let dir = root.join(target);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(name), input).unwrap();
        }
    }

    /// Every PQXDH seed runs clean through the target, and the genuine
    /// messages are accepted by the fixed responder.
    #[test]
    fn pqxdh_seeds_run_clean() {
        let f = pqxdh::fixture();
        for (name, input) in pqxdh::seeds() {
            if !name.starts_with("seed-patch") {
                let bob = sotto::IdentityKeyPair::from_bytes(&f.bob_identity).unwrap();
                let mut store = sotto::PrekeyStore::from_bytes(&f.bob_store).unwrap();
                let s = store.accept(&bob, &input, pqxdh::NOW).unwrap().session;
                assert!(s.is_post_quantum(), "{name}");
            }
            pqxdh::pqxdh(&input);
        }
    }

    /// Writes the PQXDH seeds into `fuzz/corpus/pqxdh/`:
    /// `cargo test --lib -- --ignored write_pqxdh_seeds` in `fuzz/`.
    #[test]
    #[ignore = "writes the pqxdh target's seed inputs into its corpus"]
    fn write_pqxdh_seeds() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/pqxdh");
        std::fs::create_dir_all(&dir).unwrap();
        for (name, input) in pqxdh::seeds() {
            std::fs::write(dir.join(name), input).unwrap();
        }
    }

    /// Every sealed-sender seed runs clean through the target, and is what
    /// its name says: the certificates decode and verify, the genuine
    /// envelopes open from the fixed sender, the others are refused for
    /// their reason.
    #[test]
    fn sealed_sender_seeds_run_clean() {
        use sotto::Error;
        use sotto::sealed_sender::{SenderCertificate, ServerCertificate, open};

        let p = sealed_sender::parties();
        let root = p.root.public_key();
        for (name, input) in sealed_sender::seeds() {
            let opened = open(&p.bob, root, &input, sealed_sender::NOW_MS);
            match name.as_str() {
                "seed-server-certificate" => {
                    ServerCertificate::from_bytes(&input)
                        .unwrap()
                        .verify(root)
                        .unwrap();
                }
                "seed-sender-certificate" | "seed-sender-certificate-long-id" => {
                    let c = SenderCertificate::from_bytes(&input).unwrap();
                    c.verify(root, sealed_sender::NOW_MS).unwrap();
                }
                n if n.starts_with("seed-envelope-genuine-") => {
                    assert_eq!(opened.unwrap().identity, *p.alice.public_key());
                }
                "seed-envelope-expired" => assert_eq!(opened.err(), Some(Error::Expired)),
                "seed-envelope-other-root" => {
                    assert_eq!(opened.err(), Some(Error::InvalidSignature));
                }
                "seed-envelope-to-carol" => {
                    assert_eq!(opened.err(), Some(Error::AuthenticationFailed));
                }
                _ => unreachable!("{name}"),
            }
            sealed_sender::sealed_sender(&input);
            println!("sealed_sender/{name}: {} bytes", input.len());
        }
    }

    /// Writes the seeds into `fuzz/corpus/sealed_sender/`:
    /// `cargo test --lib -- --ignored write_sealed_sender_seeds` in `fuzz/`.
    #[test]
    #[ignore = "writes the sealed_sender target's seed inputs into its corpus"]
    fn write_sealed_sender_seeds() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/sealed_sender");
        std::fs::create_dir_all(&dir).unwrap();
        for (name, input) in sealed_sender::seeds() {
            std::fs::write(dir.join(name), input).unwrap();
        }
    }
}
