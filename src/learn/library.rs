//! The tours and challenges as one compact file, `learn-data.bin`: `build.rs` reads every file
//! of `scenarios/` and `challenges/` with the format types and writes their values with postcard
//! (so a new tour or challenge is a new file, and nothing else). The native build includes the
//! file ([`Library::builtin`]); the pages fetch it after their first paint and read the part
//! they use ([`Library::decode_tours`], [`Library::decode_challenges`]; issue 29), so their wasm
//! carries neither the values nor a JSON reader, nor a reader for the other part.

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

    /// Reads `learn-data.bin`: the tours and the challenges.
    pub fn decode(bytes: &[u8]) -> Result<Library, String> {
        let (tours, challenges) = parts(bytes)?;
        Ok(Library {
            scenarios: read_tours(tours)?,
            challenges: read_challenges(challenges)?,
        })
    }

    /// Reads only the tours (the embed's and the tour page's: they carry no reader for the
    /// challenges).
    pub fn decode_tours(bytes: &[u8]) -> Result<Library, String> {
        Ok(Library {
            scenarios: read_tours(parts(bytes)?.0)?,
            challenges: Vec::new(),
        })
    }

    /// Reads only the challenges (the sandbox's: tours have their own page, so it carries no
    /// reader for them).
    pub fn decode_challenges(bytes: &[u8]) -> Result<Library, String> {
        Ok(Library {
            scenarios: Vec::new(),
            challenges: read_challenges(parts(bytes)?.1)?,
        })
    }

    /// The challenge with this id (`?challenge=<id>`).
    pub fn challenge(&self, id: &str) -> Option<&Challenge> {
        self.challenges.iter().find(|c| c.id == id)
    }
}

/// The file's two parts, the tours and the challenges, each postcard bytes of its own
/// (build.rs writes them so, a length before each).
fn parts(bytes: &[u8]) -> Result<(&[u8], &[u8]), String> {
    postcard::from_bytes(bytes).map_err(|e| format!("not learn-data.bin: {e}"))
}

fn read_tours(bytes: &[u8]) -> Result<Vec<Scenario>, String> {
    postcard::from_bytes(bytes).map_err(|e| format!("learn-data.bin's tours: {e}"))
}

/// The challenges whose checks fit the default world (hosts, users, fault rules:
/// [`challenge::data::validate`]); a test checks they all do.
fn read_challenges(bytes: &[u8]) -> Result<Vec<Challenge>, String> {
    let challenges: Vec<Challenge> =
        postcard::from_bytes(bytes).map_err(|e| format!("learn-data.bin's challenges: {e}"))?;
    Ok(challenges
        .into_iter()
        .filter(|c| challenge::data::validate(c).is_ok())
        .collect())
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
    fn each_page_reads_its_part_the_same() {
        let tours = Library::decode_tours(BUILTIN).unwrap();
        assert_eq!(tours.scenarios, Library::builtin().scenarios);
        assert!(tours.challenges.is_empty());
        let challenges = Library::decode_challenges(BUILTIN).unwrap();
        assert_eq!(challenges.challenges, Library::builtin().challenges);
        assert!(challenges.scenarios.is_empty());
    }

    #[test]
    fn bytes_that_are_not_the_file_are_an_error() {
        assert!(Library::decode(&[]).is_err());
        assert!(Library::decode(&BUILTIN[..BUILTIN.len() / 2]).is_err());
        assert!(Library::decode_challenges(&BUILTIN[..BUILTIN.len() - 1]).is_err());
    }
}
