//! Two tiny line services that exercise the session contract before the mail protocols:
//! `echo` (RFC 862 style, line by line) and `daytime` (RFC 867: the date, then close).

use crate::session::{Output, OutputQueue, Session};
use crate::time::{format_rfc5322, Duration, Instant, WallClock};
use crate::wire::line::{Line, LineReader};

/// Echoes each line back; `QUIT` closes. Idle for 60 s closes as well.
#[derive(Debug)]
pub struct EchoSession {
    lines: LineReader,
    out: OutputQueue<()>,
    idle_deadline: Instant,
}

const ECHO_IDLE: Duration = Duration::from_secs(60);

impl EchoSession {
    pub fn new(now: Instant) -> Self {
        EchoSession {
            lines: LineReader::new(512),
            out: OutputQueue::default(),
            idle_deadline: now + ECHO_IDLE,
        }
    }
}

impl Session<()> for EchoSession {
    type Event = ();

    fn handle_input(&mut self, _: &mut (), now: Instant, mut bytes: &[u8]) {
        self.idle_deadline = now + ECHO_IDLE;
        while !bytes.is_empty() && !self.out.is_closed() {
            let (n, line) = self.lines.push(bytes);
            bytes = &bytes[n..];
            match line {
                None => {}
                Some(Line::TooLong) => self.out.transmit(&b"line too long\r\n"[..]),
                Some(Line::Ok(l)) if l.eq_ignore_ascii_case(b"QUIT") => {
                    self.out.transmit(&b"bye\r\n"[..]);
                    self.out.close();
                }
                Some(Line::Ok(mut l)) => {
                    l.extend_from_slice(b"\r\n");
                    self.out.transmit(l);
                }
            }
        }
    }

    fn handle_timeout(&mut self, _: &mut (), now: Instant) {
        if now >= self.idle_deadline && !self.out.is_closed() {
            self.out.transmit(&b"idle timeout\r\n"[..]);
            self.out.close();
        }
    }

    fn handle_close(&mut self, _: &mut (), _: Instant) {
        self.out.mark_closed();
    }

    fn poll_output(&mut self) -> Option<Output<()>> {
        self.out.pop()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        (!self.out.is_closed()).then_some(self.idle_deadline)
    }

    fn is_closed(&self) -> bool {
        self.out.is_closed()
    }
}

/// Sends the date (RFC 867) and closes.
#[derive(Debug)]
pub struct DaytimeSession {
    out: OutputQueue<()>,
}

impl DaytimeSession {
    pub fn new(now: Instant, clock: WallClock) -> Self {
        let mut out = OutputQueue::default();
        out.transmit(format!("{}\r\n", format_rfc5322(clock.unix(now))));
        out.close();
        DaytimeSession { out }
    }
}

impl Session<()> for DaytimeSession {
    type Event = ();
    fn handle_input(&mut self, _: &mut (), _: Instant, _: &[u8]) {}
    fn handle_timeout(&mut self, _: &mut (), _: Instant) {}
    fn handle_close(&mut self, _: &mut (), _: Instant) {
        self.out.mark_closed();
    }
    fn poll_output(&mut self) -> Option<Output<()>> {
        self.out.pop()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
    fn is_closed(&self) -> bool {
        self.out.is_closed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::drive_chunked;

    #[test]
    fn echo_transcript_at_every_chunk_size() {
        let transcript =
            crate::testing::Transcript::parse(include_str!("../../tests/transcripts/echo.txt"));
        for chunk in 1..=transcript.client_bytes().len() {
            let mut s = EchoSession::new(Instant::ZERO);
            let (out, closed) = drive_chunked(
                &mut s,
                &mut (),
                Instant::ZERO,
                &transcript.client_bytes(),
                chunk,
            );
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&transcript.server_bytes()),
                "chunk size {chunk}"
            );
            assert!(closed);
        }
    }

    #[test]
    fn echo_closes_when_idle() {
        let mut s = EchoSession::new(Instant::ZERO);
        let t = s.poll_timeout().unwrap();
        assert_eq!(t, Instant::from_millis(60_000));
        s.handle_timeout(&mut (), Instant::from_millis(59_999));
        assert!(!s.is_closed(), "early timeout calls are harmless");
        s.handle_timeout(&mut (), t);
        assert!(s.is_closed());
    }
}
