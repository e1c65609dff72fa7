//! Where a TLS connection's randomness comes from (client and server randoms, ephemeral
//! key-exchange keys, TLS 1.2 session ids): a seeded ChaCha20 stream in tests and in the page,
//! so the same world seed gives the same bytes on the wire; the operating system's on the
//! native bridge, where real clients deserve real secrets.
//!
//! ECDSA signatures need no randomness here: they use RFC 6979 deterministic nonces.

use rand_chacha::rand_core::{CryptoRng, Error as RngError, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// One connection's source of random bytes.
#[derive(Debug, Clone)]
pub struct RandomSource(Source);

#[derive(Debug, Clone)]
enum Source {
    /// ChaCha20 keyed by a seed, on one of its 2^64 streams.
    Seeded(Box<ChaCha20Rng>),
    /// The operating system's generator (`getrandom`), native only.
    #[cfg(not(target_arch = "wasm32"))]
    Os,
    /// Lent out for the duration of a call (see `ambient`); gives nothing.
    Lent,
}

impl RandomSource {
    /// A deterministic source: the same `(seed, stream)` always gives the same bytes. A world
    /// uses its seed and a per-connection stream, so connections never share keys.
    pub fn seeded(seed: u64, stream: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        RandomSource(Source::Seeded(Box::new(rng)))
    }

    /// The operating system's randomness (the bridge).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn os() -> Self {
        RandomSource(Source::Os)
    }

    /// Whether this source replays (true for [`RandomSource::seeded`]).
    pub fn is_deterministic(&self) -> bool {
        matches!(self.0, Source::Seeded(_))
    }

    /// Takes the source out, leaving one that fails every request until it is put back.
    pub(super) fn take(&mut self) -> RandomSource {
        std::mem::replace(self, RandomSource(Source::Lent))
    }
}

impl RngCore for RandomSource {
    fn next_u32(&mut self) -> u32 {
        let mut bytes = [0u8; 4];
        self.fill_bytes(&mut bytes);
        u32::from_le_bytes(bytes)
    }

    fn next_u64(&mut self) -> u64 {
        let mut bytes = [0u8; 8];
        self.fill_bytes(&mut bytes);
        u64::from_le_bytes(bytes)
    }

    /// Infallible by the trait's contract; a failing source (only `Lent`, or an operating
    /// system without entropy) leaves zeros, which callers on a key path never see because
    /// they use [`RngCore::try_fill_bytes`].
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if self.try_fill_bytes(dest).is_err() {
            dest.fill(0);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), RngError> {
        match &mut self.0 {
            Source::Seeded(rng) => {
                rng.fill_bytes(dest);
                Ok(())
            }
            #[cfg(not(target_arch = "wasm32"))]
            Source::Os => getrandom::getrandom(dest).map_err(|error| RngError::from(error.code())),
            Source::Lent => Err(RngError::from(
                core::num::NonZeroU32::new(RngError::CUSTOM_START)
                    .unwrap_or(core::num::NonZeroU32::MIN),
            )),
        }
    }
}

impl CryptoRng for RandomSource {}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(source: &mut RandomSource) -> [u8; 16] {
        let mut out = [0u8; 16];
        source.fill_bytes(&mut out);
        out
    }

    #[test]
    fn the_same_seed_and_stream_give_the_same_bytes() {
        let a = bytes(&mut RandomSource::seeded(7, 1));
        assert_eq!(a, bytes(&mut RandomSource::seeded(7, 1)));
        assert_ne!(a, bytes(&mut RandomSource::seeded(7, 2)), "another stream");
        assert_ne!(a, bytes(&mut RandomSource::seeded(8, 1)), "another seed");
    }

    #[test]
    fn a_lent_source_refuses() {
        let mut source = RandomSource::seeded(1, 1);
        let _taken = source.take();
        assert!(source.try_fill_bytes(&mut [0u8; 4]).is_err());
    }
}
