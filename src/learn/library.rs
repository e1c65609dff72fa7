//! The tours and challenges as one compact file, `learn-data.bin`: `build.rs` reads every file
//! of `scenarios/` and `challenges/` with the format types and writes their values with postcard
//! (so a new tour or challenge is a new file, and nothing else). The native build includes the
//! file ([`Library::builtin`]); the page fetches it after its first paint and reads it with
//! [`Library::decode`] (issue 29), so its wasm carries neither the values nor a JSON reader.

use super::challenge::{self, Challenge};
use super::scenario::Scenario;

/// Every tour and challenge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Library {
    pub scenarios: Vec<Scenario>,
    pub challenges: Vec<Challenge>,
}

/// The file `build.rs` wrote, as this build compiled it.
const BUILTIN: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/learn-data.bin"));

impl Library {
    /// The file compiled in (native builds; the page fetches it instead).
    pub fn builtin() -> Library {
        Library::decode(BUILTIN).unwrap_or_default()
    }

    /// Reads `learn-data.bin`. Only the challenges whose checks fit the default world (hosts,
    /// users, fault rules: [`challenge::data::validate`]) are kept; a test checks they all do.
    pub fn decode(bytes: &[u8]) -> Result<Library, String> {
        let (scenarios, challenges): (Vec<Scenario>, Vec<Challenge>) =
            postcard::from_bytes(bytes).map_err(|e| format!("not learn-data.bin: {e}"))?;
        Ok(Library {
            scenarios,
            challenges: challenges
                .into_iter()
                .filter(|c| challenge::data::validate(c).is_ok())
                .collect(),
        })
    }

    /// Reads only the tours of `learn-data.bin` (the embed's: it has no challenges, so it
    /// carries no reader for them). The file is the tours, then the challenges.
    pub fn decode_tours(bytes: &[u8]) -> Result<Library, String> {
        let (scenarios, _challenges) = postcard::take_from_bytes::<Vec<Scenario>>(bytes)
            .map_err(|e| format!("not learn-data.bin: {e}"))?;
        Ok(Library {
            scenarios,
            challenges: Vec::new(),
        })
    }

    /// The challenge with this id (`?challenge=<id>`).
    pub fn challenge(&self, id: &str) -> Option<&Challenge> {
        self.challenges.iter().find(|c| c.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learn::scenario;

    #[test]
    fn the_file_build_rs_wrote_holds_every_tour_and_challenge_as_its_file_reads() {
        let library = Library::builtin();
        let scenarios: Vec<Scenario> = scenario::FILES
            .iter()
            .map(|t| scenario::parse(t).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        assert_eq!(library.scenarios, scenarios);
        assert_eq!(library.challenges, challenge::parse_all().unwrap());
        assert!(library.scenarios.len() >= 7 && library.challenges.len() >= 12);
    }

    #[test]
    fn the_embed_reads_the_same_tours() {
        let tours = Library::decode_tours(BUILTIN).unwrap();
        assert_eq!(tours.scenarios, Library::builtin().scenarios);
        assert!(tours.challenges.is_empty());
    }

    #[test]
    fn bytes_that_are_not_the_file_are_an_error() {
        assert!(Library::decode(&[]).is_err());
        assert!(Library::decode(&BUILTIN[..BUILTIN.len() / 2]).is_err());
    }
}
