//! The randomness and the wall-clock time a connection lends rustls for one call.
//!
//! rustls asks its crypto provider for random bytes and key pairs through `'static` hooks
//! (`CryptoProvider::secure_random`, `SupportedKxGroup::start`) and for the time through a
//! config-wide `TimeProvider`, none of which can name "this connection". So every call the
//! TLS layer makes into rustls runs inside [`lend`], which parks the connection's own
//! [`RandomSource`] and its virtual `now` (as calendar time from the world's `WallClock`) in a
//! thread-local slot for exactly that call, and takes them back after. Outside a call there is
//! no randomness and no time: a hook asked then fails (a clean TLS error), it never reaches
//! for a global generator or the system clock.

use super::random::RandomSource;
use rand_chacha::rand_core::RngCore;
use rustls::crypto::{GetRandomFailed, SecureRandom};
use rustls::pki_types::UnixTime;
use rustls::time_provider::TimeProvider;
use std::cell::RefCell;
use std::time::Duration as StdDuration;

struct Lent {
    rng: RandomSource,
    unix_seconds: i64,
}

thread_local! {
    static LENT: RefCell<Option<Lent>> = const { RefCell::new(None) };
}

/// Runs `call` with `rng` and `unix_seconds` available to the provider's hooks, then puts the
/// generator's advanced state back into `rng`. Nested calls see the innermost loan.
pub(super) fn lend<R>(rng: &mut RandomSource, unix_seconds: i64, call: impl FnOnce() -> R) -> R {
    struct Return<'a> {
        rng: &'a mut RandomSource,
        outer: Option<Lent>,
    }
    impl Drop for Return<'_> {
        fn drop(&mut self) {
            let outer = self.outer.take();
            if let Some(lent) = LENT.with(|slot| slot.replace(outer)) {
                *self.rng = lent.rng;
            }
        }
    }
    let lent = Lent {
        rng: rng.take(),
        unix_seconds,
    };
    let outer = LENT.with(|slot| slot.replace(Some(lent)));
    let _return = Return { rng, outer };
    call()
}

/// Fills `dest` from the lent generator.
pub(super) fn fill(dest: &mut [u8]) -> Result<(), GetRandomFailed> {
    LENT.with(|slot| match slot.borrow_mut().as_mut() {
        Some(lent) => lent.rng.try_fill_bytes(dest).map_err(|_| GetRandomFailed),
        None => Err(GetRandomFailed),
    })
}

/// Runs `use_rng` on the lent generator, or gives `None` outside a loan.
pub(super) fn with_rng<R>(use_rng: impl FnOnce(&mut RandomSource) -> R) -> Option<R> {
    LENT.with(|slot| {
        slot.borrow_mut()
            .as_mut()
            .map(|lent| use_rng(&mut lent.rng))
    })
}

/// The provider's `secure_random`: the lent generator.
#[derive(Debug)]
pub(super) struct AmbientRandom;

impl SecureRandom for AmbientRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), GetRandomFailed> {
        fill(dest)
    }
}

/// The configs' `TimeProvider`: the lent virtual time, for certificate validity
/// (RFC 5280 §4.1.2.5) and ticket ages.
#[derive(Debug)]
pub(super) struct AmbientClock;

impl TimeProvider for AmbientClock {
    fn current_time(&self) -> Option<UnixTime> {
        let seconds = LENT.with(|slot| slot.borrow().as_ref().map(|lent| lent.unix_seconds))?;
        let seconds = u64::try_from(seconds).ok()?;
        Some(UnixTime::since_unix_epoch(StdDuration::from_secs(seconds)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_lent_outside_a_call() {
        assert!(fill(&mut [0u8; 4]).is_err());
        assert!(AmbientClock.current_time().is_none());
    }

    #[test]
    fn a_loan_gives_the_time_and_advances_the_callers_generator() {
        let mut rng = RandomSource::seeded(3, 0);
        let mut replay = RandomSource::seeded(3, 0);
        let mut first = [0u8; 8];
        let time = lend(&mut rng, 1_000, || {
            fill(&mut first)
                .ok()
                .and_then(|_| AmbientClock.current_time())
        });
        assert_eq!(
            time,
            Some(UnixTime::since_unix_epoch(StdDuration::from_secs(1_000)))
        );
        let mut expected = [0u8; 16];
        replay.fill_bytes(&mut expected);
        assert_eq!(first, expected[..8]);
        let mut next = [0u8; 8];
        rng.fill_bytes(&mut next);
        assert_eq!(
            next,
            expected[8..],
            "the generator came back where the call left it"
        );
        assert!(fill(&mut [0u8; 1]).is_err(), "and the loan ended");
    }
}
