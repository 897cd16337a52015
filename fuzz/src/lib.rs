//! The fuzz targets' bodies, as plain functions: cargo-fuzz runs them from
//! `fuzz_targets/`, and the project's tests replay the committed corpora
//! through the same functions (`tests/fuzz_corpus.rs`,
//! `ffi/tests/fuzz_corpus.rs`).

pub mod ffi_target;
pub mod media;
pub mod targets;

#[cfg(test)]
mod seeds {
    use std::path::Path;

    use crate::media;

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
}
