//! Our own sender key in a group: the chain we encrypt on and the key we sign
//! with.
//!
//! ```text
//! seed_i, CK_{i+1} = HMAC(CK_i, 0x01), HMAC(CK_i, 0x02)
//! key ‖ nonce      = HKDF-SHA256(salt = 0x00 × 32, IKM = seed_i, "sotto v1 group message keys", 44)
//! body             = AES-256-GCM-SIV(key, nonce, plaintext, AD = header)
//! signature        = Ed25519(sign_key, "sotto v1 group message" ‖ len(group_id) ‖ group_id ‖ header ‖ body)
//! ```

use alloc::boxed::Box;
use alloc::vec::Vec;

use ed25519_dalek::SigningKey;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::chain::Chain;
use crate::crypto::{self, MessageKey, SIGNATURE_LEN, TAG_LEN};
use crate::error::Result;
use crate::identity::IdentityKey;
use crate::padding;
use crate::secret::Secret32;

use super::wire;
use super::{LABEL_GROUP_MESSAGE_KEYS, LABEL_GROUP_SIGNATURE};

/// The sending half of a sender key.
pub(super) struct SenderKey {
    pub(super) chain_id: u32,
    /// The chain at the index of the next message.
    pub(super) chain: Chain,
    /// Boxed, like every long-lived secret: moving the group moves pointers.
    pub(super) signing: Box<SigningKey>,
}

impl SenderKey {
    /// A fresh sender key whose chain id differs from `previous`.
    pub(super) fn generate<R: CryptoRng + ?Sized>(rng: &mut R, previous: Option<u32>) -> Self {
        let mut chain_id = u32::from_be_bytes(crypto::random_array(rng));
        if Some(chain_id) == previous {
            chain_id = chain_id.wrapping_add(1);
        }
        SenderKey {
            chain_id,
            chain: Chain::new(Secret32::new(*Zeroizing::new(crypto::random_array(rng))), 0),
            signing: Box::new(SigningKey::generate(rng)),
        }
    }

    /// The distribution message for the chain's current position, bound to
    /// `owner`.
    pub(super) fn distribution(
        &self,
        group_id: &[u8],
        owner: &IdentityKey,
    ) -> Result<Zeroizing<Vec<u8>>> {
        wire::encode_distribution(
            group_id,
            owner,
            self.chain_id,
            self.chain.next(),
            self.chain.key(),
            &self.signing,
        )
    }

    /// Encrypts and signs one message; the chain advances only on success.
    pub(super) fn encrypt(&mut self, group_id: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let id_len = wire::group_id_len(group_id)?;
        let adv = self.chain.step()?;
        let capacity = padding::padded_len(plaintext.len())
            .unwrap_or(0)
            .saturating_add(11 + TAG_LEN + SIGNATURE_LEN);
        let mut header = Vec::with_capacity(11);
        wire::encode_message_header(&mut header, self.chain_id, self.chain.next());
        let mut out = Vec::with_capacity(capacity);
        out.extend_from_slice(&header);
        padding::pad_into(&mut out, plaintext)?;
        MessageKey::derive(&adv.seed, LABEL_GROUP_MESSAGE_KEYS).seal_in_place(
            &header,
            &mut out,
            header.len(),
        )?;
        let signature = crypto::sign_parts(
            &self.signing,
            &[LABEL_GROUP_SIGNATURE, &[id_len], group_id, &out],
        );
        out.extend_from_slice(&signature);
        // A sending step passes over no message.
        let _ = self.chain.commit(adv);
        Ok(out)
    }
}
