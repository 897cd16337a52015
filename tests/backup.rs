//! Backups: the key as digits, the header's bounds, a wrong key or password
//! refused before any output, and the state and the app's export back
//! intact through any piece sizes.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::TestRng;
use sotto::Error;
use sotto::backup::{
    ARGON2_MAX_MEMORY_KIB, Argon2Params, BackupDecryptor, BackupEncryptor, BackupHeader, BackupKey,
    BackupProtection, BackupSecret,
};

fn write(secret: BackupSecret<'_>, state: &[u8], export: &[u8], piece: usize) -> Vec<u8> {
    let mut rng = TestRng::new(7);
    let mut e = BackupEncryptor::new(&mut rng, secret, state).unwrap();
    let mut out = Vec::new();
    for p in export.chunks(piece.max(1)).chain(core::iter::once(&[][..])) {
        let mut buf = vec![0u8; e.update_len(p.len()).unwrap()];
        let n = e.update(p, &mut buf).unwrap();
        assert_eq!(n, buf.len());
        out.extend_from_slice(&buf);
    }
    let mut buf = vec![0u8; e.finish_len()];
    let n = e.finish(&mut buf).unwrap();
    out.extend_from_slice(&buf[..n]);
    out
}

type Read = Result<(Vec<u8>, Vec<u8>), (Error, usize)>;

/// Reads a backup; on error, how many export bytes came out before it.
fn read(secret: BackupSecret<'_>, backup: &[u8], piece: usize) -> Read {
    let mut d = BackupDecryptor::new(secret).map_err(|e| (e, 0))?;
    let mut export = Vec::new();
    for p in backup.chunks(piece.max(1)) {
        let mut buf = vec![0u8; d.update_len(p.len()).unwrap()];
        let n = d.update(p, &mut buf).map_err(|e| (e, export.len()))?;
        export.extend_from_slice(&buf[..n]);
    }
    let mut buf = vec![0u8; d.finish_len()];
    let (n, state) = d.finish(&mut buf).map_err(|e| (e, export.len()))?;
    export.extend_from_slice(&buf[..n]);
    Ok((state.to_vec(), export))
}

#[test]
fn the_key_reads_back_from_its_digits_and_catches_typos() {
    let key = BackupKey::generate(&mut TestRng::new(1));
    let digits = key.to_digits();
    assert_eq!(digits.split(' ').count(), 17);
    assert!(digits.split(' ').all(|g| g.len() == 4));
    assert_eq!(BackupKey::from_digits(&digits).unwrap(), key);
    assert_eq!(
        BackupKey::from_digits(&digits.to_uppercase().replace(' ', "-")).unwrap(),
        key
    );
    // Every single digit changed is caught for this (fixed-seed) key: a
    // 16-bit checksum misses one change in 65,536. A missing digit too.
    let plain: Vec<char> = digits.chars().filter(|c| *c != ' ').collect();
    for i in 0..plain.len() {
        let mut typo = plain.clone();
        typo[i] = if typo[i] == '0' { '1' } else { '0' };
        let s: String = typo.into_iter().collect();
        assert_eq!(
            BackupKey::from_digits(&s).err(),
            Some(Error::Malformed),
            "digit {i}"
        );
    }
    assert_eq!(
        BackupKey::from_digits(&digits[1..]).err(),
        Some(Error::Malformed)
    );
    assert_eq!(BackupKey::from_digits("").err(), Some(Error::Malformed));
    assert!(!format!("{key:?}").contains(&digits[..4]));
}

#[test]
fn state_and_export_come_back_through_any_pieces() {
    let key = BackupKey::generate(&mut TestRng::new(2));
    let state: Vec<u8> = (0..40_000u32).map(|i| i as u8).collect();
    let export: Vec<u8> = (0..100_000u32).map(|i| (i / 3) as u8).collect();
    for (wp, rp) in [
        (1, 100_000_000),
        (1000, 1),
        (16_384, 7777),
        (100_000, 16_400),
    ] {
        let b = write(BackupSecret::Key(&key), &state, &export, wp);
        let (s, x) = read(BackupSecret::Key(&key), &b, rp).unwrap();
        assert_eq!(s, state);
        assert_eq!(x, export);
    }
    // Empty state and empty export.
    let b = write(BackupSecret::Key(&key), &[], &[], 1);
    assert_eq!(
        read(BackupSecret::Key(&key), &b, 3).unwrap(),
        (vec![], vec![])
    );
}

#[test]
fn a_wrong_key_or_password_is_refused_before_any_output() {
    let key = BackupKey::generate(&mut TestRng::new(3));
    let other = BackupKey::generate(&mut TestRng::new(4));
    let b = write(BackupSecret::Key(&key), b"state", &[9u8; 50_000], 999);
    assert_eq!(
        read(BackupSecret::Key(&other), &b, 50_000).err(),
        Some((Error::WrongKey, 0))
    );
    let pw = BackupSecret::Password(b"correct horse", Argon2Params::MINIMUM);
    assert_eq!(read(pw, &b, 50_000).err(), Some((Error::WrongKey, 0)));
    let b = write(pw, b"state", &[9u8; 50_000], 999);
    let (h, _) = BackupHeader::parse(&b).unwrap();
    assert!(
        matches!(h.protection, BackupProtection::Password { params, .. } if params == Argon2Params::MINIMUM)
    );
    assert_eq!(read(pw, &b, 7).unwrap().0, b"state");
    let wrong = BackupSecret::Password(b"correct horse!", Argon2Params::MINIMUM);
    assert_eq!(read(wrong, &b, 50_000).err(), Some((Error::WrongKey, 0)));
    assert_eq!(
        read(BackupSecret::Key(&key), &b, 50_000).err(),
        Some((Error::WrongKey, 0))
    );
    // A changed cost parameter in the header fails the commitment too.
    let mut raised = b.clone();
    raised[13] ^= 1; // the low byte of the memory cost
    assert_eq!(read(pw, &raised, 50_000).err(), Some((Error::WrongKey, 0)));
}

#[test]
fn header_bounds_are_checked_before_any_work() {
    let pw = BackupSecret::Password(b"pw", Argon2Params::MINIMUM);
    let b = write(pw, b"s", b"x", 1);
    // A crafted file asking for more memory than the bound: refused at once.
    let mut big = b.clone();
    big[10..14].copy_from_slice(&(ARGON2_MAX_MEMORY_KIB + 1).to_be_bytes());
    assert_eq!(read(pw, &big, 1000).err(), Some((Error::LimitExceeded, 0)));
    let mut weak = b.clone();
    weak[14..18].copy_from_slice(&1u32.to_be_bytes());
    assert_eq!(read(pw, &weak, 1000).err(), Some((Error::LimitExceeded, 0)));
    let mut lanes = b.clone();
    lanes[18..22].copy_from_slice(&0u32.to_be_bytes());
    assert_eq!(
        read(pw, &lanes, 1000).err(),
        Some((Error::LimitExceeded, 0))
    );
    let mut magic = b.clone();
    magic[0] ^= 1;
    assert_eq!(read(pw, &magic, 1000).err(), Some((Error::WrongType, 0)));
    let mut version = b.clone();
    version[8] = 2;
    assert_eq!(
        read(pw, &version, 1000).err(),
        Some((Error::UnsupportedVersion, 0))
    );
    let mut kind = b.clone();
    kind[9] = 3;
    assert_eq!(read(pw, &kind, 1000).err(), Some((Error::Malformed, 0)));
    // Writing with parameters outside the bounds is refused too.
    let weak = Argon2Params {
        passes: 1,
        ..Argon2Params::MINIMUM
    };
    assert_eq!(
        BackupEncryptor::new(
            &mut TestRng::new(1),
            BackupSecret::Password(b"pw", weak),
            b""
        )
        .err(),
        Some(Error::LimitExceeded)
    );
    assert_eq!(
        BackupDecryptor::new(BackupSecret::Password(b"", Argon2Params::MINIMUM)).err(),
        Some(Error::LimitExceeded)
    );
}

#[test]
fn a_damaged_or_cut_backup_is_refused() {
    let key = BackupKey::generate(&mut TestRng::new(5));
    let b = write(
        BackupSecret::Key(&key),
        &[1u8; 30_000],
        &[2u8; 30_000],
        5000,
    );
    for cut in [0, 5, 10, 40, 66, 1000, 16_466, b.len() - 1] {
        assert!(
            read(BackupSecret::Key(&key), &b[..cut], 4096).is_err(),
            "cut at {cut}"
        );
    }
    for at in [11, 40, 70, 20_000, b.len() - 1] {
        let mut d = b.clone();
        d[at] ^= 4;
        assert!(
            read(BackupSecret::Key(&key), &d, 4096).is_err(),
            "flip at {at}"
        );
    }
    let mut longer = b.clone();
    longer.extend_from_slice(&[0u8; 17]);
    assert!(read(BackupSecret::Key(&key), &longer, 4096).is_err());
}
