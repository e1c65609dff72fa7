//! Where the picture's things go: the four hosts left to right as in the seed figure, either
//! wide (desktop: names, addresses, mailbox and queue panels under the hosts) or as a compact
//! strip (phones and embeds: short labels, counts inside the boxes, larger type).

use crate::ui::model::num::num;

/// Which drawing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Wide,
    Strip,
}

/// The geometry of one layout for `n` hosts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geo {
    pub layout: Layout,
    pub n: usize,
}

pub const VIEW_W: f64 = 1000.0;

impl Geo {
    pub fn is_strip(&self) -> bool {
        self.layout == Layout::Strip
    }

    /// The picture's height when the tallest queue panel lists `queued` entries (at most 2).
    pub fn view_h(&self, queued: usize) -> f64 {
        match self.layout {
            Layout::Wide => self.panel_top() + 124.0 + 36.0 * queued.min(2) as f64,
            Layout::Strip => 330.0,
        }
    }

    pub fn view_box(&self, queued: usize) -> String {
        format!("0 0 {} {}", num(VIEW_W), num(self.view_h(queued)))
    }

    pub fn box_w(&self) -> f64 {
        match self.layout {
            Layout::Wide => 176.0,
            Layout::Strip => 186.0,
        }
    }

    pub fn box_h(&self) -> f64 {
        match self.layout {
            Layout::Wide => 118.0,
            Layout::Strip => 150.0,
        }
    }

    pub fn box_top(&self) -> f64 {
        match self.layout {
            Layout::Wide => 58.0,
            Layout::Strip => 70.0,
        }
    }

    /// Top-left corner of host `i`'s box.
    pub fn box_at(&self, i: usize) -> (f64, f64) {
        let slot = VIEW_W / self.n.max(1) as f64;
        (
            slot * i as f64 + slot / 2.0 - self.box_w() / 2.0,
            self.box_top(),
        )
    }

    pub fn center(&self, i: usize) -> (f64, f64) {
        let (x, y) = self.box_at(i);
        (x + self.box_w() / 2.0, y + self.box_h() / 2.0)
    }

    /// The straight wire between neighbours `i` and `i + 1`.
    pub fn wire(&self, i: usize) -> ((f64, f64), (f64, f64)) {
        let (xa, _) = self.box_at(i);
        let (xb, _) = self.box_at(i + 1);
        let y = self.box_top() + self.box_h() / 2.0;
        ((xa + self.box_w(), y), (xb, y))
    }

    /// The curve below the boxes between two hosts that are not neighbours.
    pub fn arc(&self, a: usize, b: usize) -> ((f64, f64), (f64, f64), (f64, f64)) {
        let (ca, cb) = (self.center(a), self.center(b));
        let k = (b - a) as f64;
        let y0 = self.box_top() + self.box_h();
        let depth = 24.0 + 10.0 * k;
        (
            (ca.0, y0),
            ((ca.0 + cb.0) / 2.0, y0 + depth * 2.0),
            (cb.0, y0),
        )
    }

    /// The middle of the link between hosts `a` and `b` (the arc's lowest point when they are
    /// not neighbours).
    pub fn link_mid(&self, a: usize, b: usize) -> (f64, f64) {
        if b == a + 1 || a == b + 1 {
            let ((x1, y1), (x2, y2)) = self.wire(a.min(b));
            ((x1 + x2) / 2.0, (y1 + y2) / 2.0)
        } else {
            let (lo, hi) = (a.min(b), a.max(b));
            let ((x1, y1), (_, cy), (x2, _)) = self.arc(lo, hi);
            ((x1 + x2) / 2.0, (y1 + cy) / 2.0)
        }
    }

    /// Where the two protocol label lines of link `i` go (x, y of line 1, y of line 2).
    pub fn label(&self, i: usize) -> (f64, f64, f64) {
        let mx = (self.center(i).0 + self.center(i + 1).0) / 2.0;
        match self.layout {
            Layout::Wide => (mx, 26.0, 44.0),
            Layout::Strip => (mx, 30.0, 58.0),
        }
    }

    /// The lane under the boxes where hops are written (y of its middle).
    pub fn lane_y(&self) -> f64 {
        self.box_top() + self.box_h() + 32.0
    }

    /// Top of the mailbox/queue panels (wide layout only).
    pub fn panel_top(&self) -> f64 {
        self.lane_y() + 36.0
    }

    /// Top-left and width of the mailbox/queue panel of host `i`.
    pub fn panel(&self, i: usize) -> (f64, f64, f64) {
        let (x, _) = self.box_at(i);
        (x - 8.0, self.panel_top(), self.box_w() + 16.0)
    }

    /// Font size of the hop lane's text.
    pub fn lane_font(&self) -> f64 {
        match self.layout {
            Layout::Wide => 17.0,
            Layout::Strip => 30.0,
        }
    }
}
