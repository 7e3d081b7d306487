//! Plain aligned text tables for the terminal, and CSV for scripts.

/// The longest cell a [`Table::shortening`] table shows whole, in characters.
pub const MAX_CELL: usize = 60;

fn shortened(cell: &str, max: usize) -> String {
    if cell.chars().count() <= max {
        return cell.to_string();
    }
    let kept: String = cell.chars().take(max - 1).collect();
    format!("{kept}…")
}

pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Cells longer than this are shortened on screen (see [`Table::shortening`]).
    max_cell: Option<usize>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Self {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            max_cell: None,
        }
    }

    /// For a list of many rows: a cell longer than [`MAX_CELL`] characters (a router's
    /// thousand addresses) is shortened with "…" in `render`, so that one long cell does
    /// not push every other row off the screen. `csv` keeps every cell whole, and the
    /// detail views, which do not shorten, show it.
    pub fn shortening(mut self) -> Self {
        self.max_cell = Some(MAX_CELL);
        self
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table aligned for a terminal.
    pub fn render(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|c| match self.max_cell {
                        Some(max) => shortened(c, max),
                        None => c.clone(),
                    })
                    .collect()
            })
            .collect();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
            for (i, cell) in row.iter().enumerate() {
                if i < widths.len() {
                    widths[i] = widths[i].max(cell.chars().count());
                }
            }
        }
        let line = |cells: &[String]| {
            let mut out = String::new();
            for (i, cell) in cells.iter().enumerate() {
                if i + 1 == cells.len() {
                    out.push_str(cell);
                } else {
                    out.push_str(cell);
                    out.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
                }
            }
            out.trim_end().to_string() + "\n"
        };
        let mut out = line(&self.headers);
        out.push_str(&line(
            &widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(),
        ));
        for row in &rows {
            out.push_str(&line(row));
        }
        out
    }

    pub fn csv(&self) -> String {
        let esc = |s: &String| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.clone()
            }
        };
        let mut out = self.headers.iter().map(esc).collect::<Vec<_>>().join(",") + "\n";
        for row in &self.rows {
            out.push_str(&(row.iter().map(esc).collect::<Vec<_>>().join(",") + "\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_and_escapes() {
        let mut t = Table::new(&["ip", "name"]);
        t.row(vec!["10.0.0.1".into(), "PLC, line 1".into()]);
        assert_eq!(
            t.render(),
            "ip        name\n--------  -----------\n10.0.0.1  PLC, line 1\n"
        );
        assert_eq!(t.csv(), "ip,name\n10.0.0.1,\"PLC, line 1\"\n");
    }

    #[test]
    fn a_long_cell_is_shortened_on_screen_and_kept_in_csv() {
        let long = (0..300)
            .map(|i| format!("10.0.{}.{}", i / 250, i % 250))
            .collect::<Vec<_>>()
            .join(",");
        let mut t = Table::new(&["key", "ips", "role"]).shortening();
        t.row(vec![
            "mac:00:1b:1b:00:00:01".into(),
            long.clone(),
            "network_device".into(),
        ]);
        t.row(vec![
            "ip:10.0.0.9".into(),
            "10.0.0.9".into(),
            "controller".into(),
        ]);
        let shown = t.render();
        assert!(shown.lines().all(|l| l.chars().count() < 120), "{shown}");
        assert!(shown.contains('…'));
        assert!(t.csv().contains(&long));
    }
}
