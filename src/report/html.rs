//! A minimal, dependency-free HTML page builder for the reports (inline CSS, no scripts,
//! nothing fetched: the file opens from disk with no network).

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222;padding:0 1em}\
h1{font-size:1.7em}h3{margin:1.2em 0 .2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}\
table{border-collapse:collapse;margin:.5em 0;display:block;max-width:100%;overflow-x:auto}code{overflow-wrap:anywhere}td,th{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}\
th{background:#f4f4f4}.spread{color:#777;font-size:.85em}.unknown{color:#666}\
figure{display:inline-block;margin:.5em;vertical-align:top}figure.still{max-width:330px}figure img{max-width:100%;border:1px solid #ccc}\
figcaption{font-size:.9em;color:#444;max-width:640px}.plot svg{max-width:100%;height:auto}\
.toward{color:#1a7f37;font-weight:bold}.away{color:#a35200;font-weight:bold}.same{color:#666}\
.warning{border:2px solid #555;background:#f3f3f3;padding:.5em .8em;margin:.6em 0}\
.headline{border:1px solid #bbb;background:#f7f7f7;padding:.3em 1em;margin:1em 0;font-size:1.15em}";

pub struct Html {
    body: String,
    title: String,
}

impl Html {
    pub fn new(title: &str) -> Self {
        Self {
            body: String::new(),
            title: title.into(),
        }
    }

    pub fn h1(&mut self, t: &str) {
        self.body += &format!("<h1>{}</h1>\n", esc(t));
    }

    pub fn h2(&mut self, t: &str) {
        self.body += &format!("<h2>{}</h2>\n", esc(t));
    }

    /// A paragraph of trusted markup (callers escape user text).
    pub fn p(&mut self, markup: &str) {
        self.body += &format!("<p>{markup}</p>\n");
    }

    /// A plain-text warning in a neutral box (it is about the data, not the runner).
    pub fn warning(&mut self, text: &str) {
        self.body.push_str(&format!(
            "<p class=warning><strong>Warning:</strong> {}</p>\n",
            esc(text)
        ));
    }

    pub fn raw(&mut self, markup: &str) {
        self.body += markup;
        self.body.push('\n');
    }

    /// A table whose cells are trusted markup.
    pub fn table(&mut self, header: &[&str], rows: Vec<Vec<String>>) {
        self.body += "<table>";
        if header.iter().any(|h| !h.is_empty()) {
            self.body += "<tr>";
            for h in header {
                self.body += &format!("<th>{}</th>", esc(h));
            }
            self.body += "</tr>";
        }
        for row in rows {
            self.body += "<tr>";
            for c in row {
                self.body += &format!("<td>{c}</td>");
            }
            self.body += "</tr>";
        }
        self.body += "</table>\n";
    }

    pub fn figure_svg(&mut self, svg: &str, title: &str) {
        self.body += &format!(
            "<figure class=plot aria-label=\"{}\">{svg}</figure>\n",
            esc(title)
        );
    }

    /// Still images (data URLs) with captions.
    pub fn stills(&mut self, figures: &[(String, String)]) {
        for (src, caption) in figures {
            self.body += &format!(
                "<figure class=still><img src=\"{src}\" alt=\"{}\"><figcaption>{}</figcaption></figure>\n",
                esc(caption),
                esc(caption)
            );
        }
    }

    pub fn finish(self) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{STYLE}</style></head>\n<body>\n{}</body></html>\n",
            esc(&self.title),
            self.body
        )
    }
}
