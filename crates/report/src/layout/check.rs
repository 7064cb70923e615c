//! The checks of a layout: values that cannot work, margins that cannot
//! hold what is drawn in them, fields that are not input columns.

use super::Layout;
use crate::error::LayoutError;
use crate::format::check_date_pattern;
use crate::input::Columns;
use crate::template::Template;

impl Layout {
    pub(super) fn check_static(&self) -> Result<(), LayoutError> {
        let bad = |m: String| Err(LayoutError::invalid(m));
        for t in [&self.title, &self.file_name, &self.footer] {
            Template::parse(t).map_err(LayoutError::invalid)?;
        }
        for h in &self.header {
            Template::parse(&h.value).map_err(LayoutError::invalid)?;
        }
        self.page.dimensions().map_err(LayoutError::invalid)?;
        let (w, h) = self.page.dimensions().map_err(LayoutError::invalid)?;
        let [mt, mr, mb, ml] = self.page.margins();
        if [mt, mr, mb, ml].iter().any(|m| !(0.0..200.0).contains(m))
            || ml + mr > w / 2.0
            || mt + mb > h / 2.0
        {
            return bad("margins must be between 0 and 200 points and leave half the page".into());
        }
        if !(4.0..=24.0).contains(&self.font_size) {
            return bad(format!("font_size {} is outside 4..24", self.font_size));
        }
        for c in &self.columns {
            if !(c.width > 0.0 && c.width.is_finite()) {
                return bad(format!("column {:?}: width must be positive", c.field));
            }
            if c.total && !c.is_numeric() {
                return bad(format!(
                    "column {:?}: total = true needs format = \"number\" or \"currency\"",
                    c.field
                ));
            }
            if let Some(p) = &c.date_format {
                check_date_pattern(p)
                    .map_err(|m| LayoutError::invalid(format!("column {:?}: {m}", c.field)))?;
            }
            if c.decimals.is_some_and(|d| d > 12) {
                return bad(format!("column {:?}: at most 12 decimals", c.field));
            }
        }
        if let Some(logo) = &self.logo {
            let [_, mr, _, ml] = self.page.margins();
            let ok = |v: f32, max: f32| v > 0.0 && v <= max;
            if !ok(logo.width, w - ml - mr) || logo.height.is_some_and(|lh| !ok(lh, h / 3.0)) {
                return bad(format!(
                    "logo: width must be within 0..{} and height within 0..{} points",
                    w - ml - mr,
                    h / 3.0
                ));
            }
        }
        if let Some(ch) = &self.chart
            && !(40.0..=500.0).contains(&ch.height)
        {
            return bad("chart height must be within 40..500".into());
        }
        self.check_room(h)
    }

    /// Whether the margins hold what is drawn in them, and the page
    /// between them what page 1 draws: the title and header lines (one
    /// line each), the chart, the table's heading, a row and the totals.
    /// (A logo's height is known once its image is read; a page too short
    /// for it and the rest starts the table on page 2.)
    fn check_room(&self, h: f32) -> Result<(), LayoutError> {
        let [mt, _, mb, _] = self.page.margins();
        // The footer's 8-point line has its baseline 15 points into the
        // bottom margin, its descenders 2 points lower; the "(continued)"
        // line of later pages has its baseline on the top margin line.
        if mb < 17.0 {
            return Err(LayoutError::invalid(format!(
                "page.margin_bottom {mb} is under 17 points: the footer and page numbers are \
                 drawn in the bottom margin, 15 points below the table"
            )));
        }
        if mt < 8.0 {
            return Err(LayoutError::invalid(format!(
                "page.margin_top {mt} is under 8 points: later pages start with a \
                 \"(continued)\" line in the top margin"
            )));
        }
        let row = self.font_size + 7.0;
        let header: f32 = (0..self.header.len())
            .map(|i| if i == 0 { 20.0 } else { 15.0 })
            .sum();
        let chart = self.chart.as_ref().map_or(16.0, |c| 53.0 + c.height);
        let totals = if self.columns.iter().any(|c| c.total) {
            row + 8.0
        } else {
            0.0
        };
        let need = 20.0 + header + chart + 2.0 * row + totals;
        let room = h - mt - mb - 20.0;
        if need > room {
            return Err(LayoutError::invalid(format!(
                "the page has {room:.0} points between its margins and the footer, less than \
                 the {need:.0} that the title, the header lines, the chart and the table's \
                 first row need: make the margins or the chart smaller, or the page larger"
            )));
        }
        Ok(())
    }

    /// Checks that every field the layout names is an input column (or
    /// `group`).
    ///
    /// # Errors
    ///
    /// [`LayoutError::Invalid`] naming the first unknown field.
    pub fn check_columns(&self, columns: &Columns) -> Result<(), LayoutError> {
        let known = |f: &str| f == "group" || columns.get(f).is_some();
        let mut used: Vec<(String, String)> = Vec::new();
        for (what, t) in [
            ("title", &self.title),
            ("file_name", &self.file_name),
            ("footer", &self.footer),
        ] {
            let t = Template::parse(t).map_err(LayoutError::invalid)?;
            used.extend(t.fields().map(|f| (what.to_owned(), f.to_owned())));
        }
        for h in &self.header {
            let t = Template::parse(&h.value).map_err(LayoutError::invalid)?;
            used.extend(
                t.fields()
                    .map(|f| (format!("header {:?}", h.label), f.to_owned())),
            );
        }
        for c in &self.columns {
            used.push(("columns".into(), c.field.clone()));
        }
        if let Some(ch) = &self.chart {
            used.push(("chart.value".into(), ch.value.clone()));
            used.push(("chart.field".into(), ch.field.clone()));
        }
        for (what, f) in used {
            if !known(&f) {
                return Err(LayoutError::invalid(format!(
                    "{what} uses field {f:?}, which is not an input column (columns: {})",
                    columns.names().join(", ")
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(toml: &str) -> String {
        Layout::from_toml(toml)
            .map(|_| ())
            .expect_err("refused")
            .to_string()
    }

    #[test]
    fn margins_that_cannot_hold_what_is_drawn_are_refused() {
        assert_eq!(
            refused("[page]\nmargin_bottom = 10\n"),
            "layout: page.margin_bottom 10 is under 17 points: the footer and page numbers \
             are drawn in the bottom margin, 15 points below the table"
        );
        assert!(refused("[page]\nmargin_top = 5\n").starts_with("layout: page.margin_top 5"));
        let chart = "[chart]\nvalue = \"a\"\nby = \"month\"\nfield = \"d\"\nheight = 300\n\
                     [page]\nsize = \"A5\"\nlandscape = true\nmargin = 40\n";
        assert!(
            refused(chart).starts_with("layout: the page has 320 points between its margins"),
            "{}",
            refused(chart)
        );
        // What the samples use is fine, and so are the smallest margins
        // that hold the footer.
        assert!(Layout::from_toml("[page]\nmargin = 17\nmargin_top = 8\n").is_ok());
        let statement = include_str!("../../../../samples/reports/statement.toml");
        assert!(Layout::from_toml(statement).is_ok());
    }
}
