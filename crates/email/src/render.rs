//! Compiling the template with minijinja (strict: an unknown variable is an
//! error, never a blank), checking it against the CSV header, rendering rows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::{Environment, UndefinedBehavior, Value};

use crate::csv_rows::Row;
use crate::error::{ConfigError, RowError};
use crate::template::{BodyFormat, HeaderKind, TemplateFile};

/// A template part rendered for one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The rendered headers the mailer knows, in template order.
    pub headers: Vec<(HeaderKind, String)>,
    /// The other headers (name, rendered value), in template order; passed
    /// through as they are.
    pub custom: Vec<(String, String)>,
    /// The plain-text body.
    pub text: String,
    /// The HTML body, if any.
    pub html: Option<String>,
}

/// A compiled template, checked against a CSV header.
#[derive(Debug)]
pub struct Renderer {
    env: Environment<'static>,
    headers: Vec<(HeaderKind, String)>,
    /// Custom headers: (header name, template name).
    custom: Vec<(String, String)>,
    format: BodyFormat,
    has_html: bool,
    columns: Arc<[String]>,
}

const TEXT: &str = "body.txt";
const HTML: &str = "body.html";

impl Renderer {
    /// Compiles `template` and checks that every variable it uses is one of
    /// `columns` (the header of `csv`).
    ///
    /// # Errors
    ///
    /// [`ConfigError::Template`] for a syntax error (naming the line),
    /// [`ConfigError::MissingColumn`] naming the first variable that is not
    /// a column.
    pub fn new(
        template: &TemplateFile,
        columns: Arc<[String]>,
        csv: &Path,
    ) -> Result<Renderer, ConfigError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        let body_line = template.body_line;
        let syntax = |line: usize, e: minijinja::Error| ConfigError::Template {
            path: template.path.clone(),
            line: line + e.line().unwrap_or(1).saturating_sub(1),
            message: e.detail().map_or_else(|| e.to_string(), str::to_owned),
        };
        let mut headers = Vec::new();
        let mut custom = Vec::new();
        let mut parts: Vec<(String, String)> = Vec::new();
        for (i, header) in template.headers.iter().enumerate() {
            let name = format!("{}#{i}.txt", header.name);
            env.add_template_owned(name.clone(), header.source.clone())
                .map_err(|e| syntax(header.line, e))?;
            parts.push((name.clone(), header.name.clone()));
            match header.kind {
                HeaderKind::Custom => custom.push((header.name.clone(), name)),
                kind => headers.push((kind, name)),
            }
        }
        env.add_template_owned(TEXT, template.text.clone())
            .map_err(|e| syntax(body_line, e))?;
        parts.push((TEXT.into(), "body".into()));
        if let Some(html) = &template.html {
            let html_line = template.html_line.unwrap_or(body_line);
            env.add_template_owned(HTML, html.clone())
                .map_err(|e| syntax(html_line, e))?;
            parts.push((HTML.into(), "HTML body".into()));
        }
        for (name, part) in &parts {
            let compiled = env
                .get_template(name)
                .map_err(|e| ConfigError::Invalid(e.to_string()))?;
            let mut used: Vec<String> = compiled.undeclared_variables(false).into_iter().collect();
            used.sort();
            if let Some(missing) = used.into_iter().find(|v| !columns.iter().any(|c| c == v)) {
                return Err(ConfigError::MissingColumn {
                    name: missing,
                    part: part.clone(),
                    csv: csv.to_path_buf(),
                    columns: columns.join(", "),
                });
            }
        }
        Ok(Renderer {
            env,
            headers,
            custom,
            format: template.format,
            has_html: template.html.is_some(),
            columns,
        })
    }

    /// The CSV columns the renderer was checked against.
    pub fn columns(&self) -> &Arc<[String]> {
        &self.columns
    }

    /// Whether a header has no template variables (so it can be checked
    /// once, before any row), with its value.
    pub fn constant_header(&self, kind: HeaderKind) -> Option<String> {
        let (_, name) = self.headers.iter().find(|(k, _)| *k == kind)?;
        let template = self.env.get_template(name).ok()?;
        if !template.undeclared_variables(false).is_empty() {
            return None;
        }
        template.render(()).ok()
    }

    /// Whether the template sets `kind`.
    pub fn has_header(&self, kind: HeaderKind) -> bool {
        self.headers.iter().any(|(k, _)| *k == kind)
    }

    /// Renders every part of the template for `row`.
    ///
    /// # Errors
    ///
    /// A [`RowError`] naming the part and minijinja's reason (an undefined
    /// attribute, a filter error).
    pub fn render(&self, row: &Row) -> Result<Rendered, RowError> {
        let context: BTreeMap<&str, Value> = self
            .columns
            .iter()
            .zip(&row.fields)
            .map(|(k, v)| (k.as_str(), Value::from(v.as_str())))
            .collect();
        let context = Value::from(context);
        let render = |name: &str, part: &str| -> Result<String, RowError> {
            self.env
                .get_template(name)
                .and_then(|t| t.render(&context))
                .map_err(|e| {
                    RowError::new(
                        row.line,
                        Some(row.fields.clone()),
                        format!(
                            "cannot render the {part}: {}",
                            e.detail().unwrap_or(&e.to_string())
                        ),
                    )
                })
        };
        let mut headers = Vec::with_capacity(self.headers.len());
        for (kind, name) in &self.headers {
            headers.push((*kind, render(name, kind.name())?.trim().to_owned()));
        }
        let mut custom = Vec::with_capacity(self.custom.len());
        for (header, name) in &self.custom {
            custom.push((header.clone(), render(name, header)?.trim().to_owned()));
        }
        let text = render(TEXT, "body")?;
        let html = match self.format {
            BodyFormat::Markdown => Some(markdown_to_html(&text)),
            BodyFormat::Text if self.has_html => Some(render(HTML, "HTML body")?),
            BodyFormat::Text => None,
        };
        Ok(Rendered {
            headers,
            custom,
            text,
            html,
        })
    }
}

/// Renders Markdown to HTML; raw HTML in the Markdown (from the data, say)
/// is shown as text, never passed through.
pub fn markdown_to_html(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, html};
    let events = Parser::new(markdown).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// Where attachments may be read from: a folder, resolved once.
#[derive(Debug, Clone)]
pub struct AttachmentsDir {
    root: PathBuf,
}

impl AttachmentsDir {
    /// Resolves `dir` (following links).
    ///
    /// # Errors
    ///
    /// [`ConfigError::Io`] if it does not exist.
    pub fn new(dir: &Path) -> Result<AttachmentsDir, ConfigError> {
        let root = dir.canonicalize().map_err(|error| ConfigError::Io {
            what: "the attachments folder",
            path: dir.to_path_buf(),
            error,
        })?;
        Ok(AttachmentsDir { root })
    }

    /// Resolves `relative` inside the folder.
    ///
    /// # Errors
    ///
    /// A message if the path is absolute, climbs out with `..`, leads out
    /// through a link, or does not name a readable file.
    pub fn resolve(&self, relative: &str) -> Result<PathBuf, String> {
        use std::path::Component;
        let path = Path::new(relative);
        if path
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(format!(
                "attachment {relative:?} is outside the attachments folder {} (absolute paths and `..` are refused)",
                self.root.display()
            ));
        }
        let full = self.root.join(path);
        let real = full
            .canonicalize()
            .map_err(|e| format!("attachment {}: {e}", full.display()))?;
        if !real.starts_with(&self.root) {
            return Err(format!(
                "attachment {relative:?} leads outside the attachments folder {} (through a link)",
                self.root.display()
            ));
        }
        if !real.is_file() {
            return Err(format!("attachment {} is not a file", full.display()));
        }
        Ok(real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renderer(template: &str, columns: &[&str]) -> Result<Renderer, ConfigError> {
        let t = TemplateFile::parse(Path::new("t.txt"), template)?;
        let columns: Arc<[String]> = columns.iter().map(|c| (*c).to_owned()).collect();
        Renderer::new(&t, columns, Path::new("c.csv"))
    }

    fn row(fields: &[&str]) -> Row {
        Row {
            line: 7,
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        }
    }

    #[test]
    fn renders_headers_and_body() {
        let r = renderer(
            "From: shop@example.com\nSubject: Order {{ order }}\n\nHi {{ name | upper }}\n--- html ---\n<p>{{ name }}</p>\n",
            &["email", "name", "order"],
        )
        .expect("valid");
        let out = r
            .render(&row(&["a@example.com", "<Ann>", "42"]))
            .expect("renders");
        assert_eq!(out.headers[1], (HeaderKind::Subject, "Order 42".into()));
        assert_eq!(out.text, "Hi <ANN>\n");
        assert_eq!(out.html.as_deref(), Some("<p>&lt;Ann&gt;</p>\n"));
        assert_eq!(
            r.constant_header(HeaderKind::From).as_deref(),
            Some("shop@example.com")
        );
        assert_eq!(r.constant_header(HeaderKind::Subject), None);
    }

    #[test]
    fn a_missing_column_is_named() {
        let err = renderer("From: a@example.com\n\nHi {{ nmae }}\n", &["email", "name"])
            .expect_err("nmae is no column");
        let text = err.to_string();
        assert!(text.contains("nmae") && text.contains("body"), "{text}");
    }

    #[test]
    fn strict_mode_refuses_unknown_attributes() {
        let r = renderer("From: a@example.com\n\nHi {{ name.first }}\n", &["name"]).expect("valid");
        let err = r
            .render(&row(&["Ann"]))
            .expect_err("strings have no .first");
        assert_eq!(err.line, 7);
        assert!(err.message.contains("body"), "{err}");
    }

    #[test]
    fn markdown_drops_raw_html() {
        let html = markdown_to_html("# Hi\n\nsay <script>x</script> and **bold**\n");
        assert!(
            html.contains("<h1>Hi</h1>") && html.contains("<strong>bold</strong>"),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
    }

    #[test]
    fn attachments_stay_inside_their_folder() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir(dir.path().join("in"))?;
        std::fs::write(dir.path().join("in/a.txt"), "a")?;
        std::fs::write(dir.path().join("secret.txt"), "s")?;
        let att = AttachmentsDir::new(&dir.path().join("in"))?;
        assert!(att.resolve("a.txt").is_ok());
        assert!(att.resolve("./a.txt").is_ok());
        for bad in [
            "../secret.txt",
            "/etc/passwd",
            "sub/../../secret.txt",
            "missing.txt",
        ] {
            assert!(att.resolve(bad).is_err(), "{bad}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(
                dir.path().join("secret.txt"),
                dir.path().join("in/link.txt"),
            )?;
            let err = att.resolve("link.txt").expect_err("the link leads out");
            assert!(err.contains("link"), "{err}");
        }
        Ok(())
    }
}
