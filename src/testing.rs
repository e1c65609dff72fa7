//! Transcript files for tests: `C:` lines are what the client sends, `S:` lines what the server
//! must answer, each ending in CRLF. `#` starts a comment line; blank lines are ignored. A line
//! `C~ text` is sent without a line end (for split-input tests).

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Client(Vec<u8>),
    Server(Vec<u8>),
}

#[derive(Debug, Clone, Default)]
pub struct Transcript {
    pub steps: Vec<Step>,
}

impl Transcript {
    pub fn parse(text: &str) -> Self {
        let mut steps = Vec::new();
        for line in text.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let (tag, rest) = line.split_at(line.len().min(2));
            let body = rest.strip_prefix(' ').unwrap_or(rest);
            match tag {
                "C:" => steps.push(Step::Client(format!("{body}\r\n").into_bytes())),
                "C~" => steps.push(Step::Client(body.as_bytes().to_vec())),
                "S:" => steps.push(Step::Server(format!("{body}\r\n").into_bytes())),
                _ => panic!("bad transcript line: {line}"),
            }
        }
        Transcript { steps }
    }

    pub fn client_bytes(&self) -> Vec<u8> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::Client(b) => Some(b.as_slice()),
                Step::Server(_) => None,
            })
            .flatten()
            .copied()
            .collect()
    }

    pub fn server_bytes(&self) -> Vec<u8> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::Server(b) => Some(b.as_slice()),
                Step::Client(_) => None,
            })
            .flatten()
            .copied()
            .collect()
    }
}
