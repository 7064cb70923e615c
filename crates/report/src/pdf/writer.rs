//! [`PdfFile`]: a PDF written object by object as its pages are finished,
//! so a report of any length needs the memory of one page.
//!
//! Object numbers are known before anything is written, from the page
//! count (a first pass over the report counts the pages): the catalog is
//! 1, the page tree 2, the pages' shared resources 3, then each page's
//! content stream and page dictionary (4 + 2i and 5 + 2i for page i), and
//! after them the objects printpdf made for the fonts, the logo and the
//! document information ([`crate::pdf::prelude`]), renumbered. Only the
//! offsets of the objects written (for the cross-reference table) stay in
//! memory.

use std::collections::BTreeMap;
use std::io::{self, Write};

use lopdf::{Dictionary, Object, ObjectId, StringFormat};
use sha2::{Digest as _, Sha256};

const CATALOG: u32 = 1;
const PAGE_TREE: u32 = 2;
const RESOURCES: u32 = 3;
const FIRST_PAGE: u32 = 4;

/// A PDF being written to `out`.
pub(crate) struct PdfFile<W: Write> {
    out: W,
    /// Bytes written so far.
    pos: u64,
    /// The offset of each object written, by number (0: not written yet).
    offsets: Vec<u64>,
    /// The pages the document has; the pages written so far.
    pages: u32,
    written: u32,
    /// The page size, as printpdf writes it.
    size: (f32, f32),
    /// A digest of the pages' content, for the file identifier.
    pub(crate) digest: Sha256,
}

impl<W: Write> PdfFile<W> {
    /// Starts a document of `pages` pages of `size` (points) on `out`.
    pub(crate) fn begin(mut out: W, pages: u32, size: (f32, f32)) -> io::Result<Self> {
        let header = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";
        out.write_all(header)?;
        Ok(PdfFile {
            out,
            pos: header.len() as u64,
            offsets: vec![0; (FIRST_PAGE + 2 * pages) as usize],
            pages,
            written: 0,
            size,
            digest: Sha256::new(),
        })
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// Starts object `id`, recording where it is.
    fn open(&mut self, id: u32) -> io::Result<()> {
        let i = id as usize;
        if self.offsets.len() <= i {
            self.offsets.resize(i + 1, 0);
        }
        self.offsets[i] = self.pos;
        self.write(format!("{id} 0 obj\n").as_bytes())
    }

    fn close(&mut self) -> io::Result<()> {
        self.write(b"\nendobj\n")
    }

    /// Writes the next page, its content stream `content` (deflated here).
    pub(crate) fn page(&mut self, content: &[u8]) -> io::Result<()> {
        if self.written >= self.pages {
            return Err(io::Error::other(format!(
                "more pages drawn than the {} counted",
                self.pages
            )));
        }
        self.digest.update(content);
        let packed = deflate(content)?;
        let stream = FIRST_PAGE + 2 * self.written;
        self.open(stream)?;
        self.write(format!("<</Length {}/Filter/FlateDecode>>stream\n", packed.len()).as_bytes())?;
        self.write(&packed)?;
        self.write(b"\nendstream")?;
        self.close()?;
        self.open(stream + 1)?;
        let (w, h) = self.size;
        let bx = format!("[0 0 {} {}]", real(w), real(h));
        self.write(
            format!(
                "<</Type/Page/Parent {PAGE_TREE} 0 R/MediaBox{bx}/CropBox{bx}/TrimBox{bx}/Resources {RESOURCES} 0 R/Contents {stream} 0 R>>"
            )
            .as_bytes(),
        )?;
        self.close()?;
        self.written += 1;
        Ok(())
    }

    /// Writes what follows the pages: the objects of `doc` reachable from
    /// its catalog and information dictionary, renumbered after the pages,
    /// with `resources` as the pages' resources; the page tree; the cross
    /// reference table and the trailer, whose identifier is `id`. Returns
    /// the writer and the bytes written in all.
    pub(crate) fn finish(
        mut self,
        doc: &lopdf::Document,
        resources: &Object,
        id: &[u8],
    ) -> io::Result<(W, u64)> {
        if self.written != self.pages {
            return Err(io::Error::other(format!(
                "{} pages drawn, {} counted",
                self.written, self.pages
            )));
        }
        let broken = |what: &str| io::Error::other(format!("the document printpdf made: {what}"));
        let catalog = doc
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(|_| broken("no catalog"))?;
        let info = doc
            .trailer
            .get(b"Info")
            .and_then(Object::as_reference)
            .map_err(|_| broken("no information dictionary"))?;
        let pages_ref = doc
            .get_dictionary(catalog)
            .and_then(|c| c.get(b"Pages"))
            .and_then(Object::as_reference)
            .map_err(|_| broken("no page tree"))?;
        // Every object the catalog (but its page tree), the information
        // and the resources use, numbered in the order found.
        let mut numbers: BTreeMap<ObjectId, u32> = BTreeMap::new();
        numbers.insert(catalog, CATALOG);
        numbers.insert(pages_ref, PAGE_TREE);
        let mut order = Vec::new();
        let mut next = FIRST_PAGE + 2 * self.pages;
        let mut todo: Vec<&Object> = vec![resources];
        let catalog_dict = doc.get_dictionary(catalog).map_err(|_| broken("catalog"))?;
        todo.extend(catalog_dict.iter().map(|(_, v)| v));
        if let std::collections::btree_map::Entry::Vacant(slot) = numbers.entry(info) {
            slot.insert(next);
            order.push(info);
            next += 1;
        }
        let info_obj = doc.get_object(info).map_err(|_| broken("information"))?;
        todo.push(info_obj);
        while let Some(o) = todo.pop() {
            let mut refs = Vec::new();
            references(o, &mut refs);
            for r in refs {
                if numbers.contains_key(&r) {
                    continue;
                }
                numbers.insert(r, next);
                order.push(r);
                next += 1;
                if let Ok(obj) = doc.get_object(r) {
                    todo.push(obj);
                }
            }
        }
        let mut buf = Vec::new();
        for r in &order {
            let obj = doc.get_object(*r).map_err(|_| broken("a missing object"))?;
            buf.clear();
            write_object(&mut buf, obj, &numbers);
            self.open(numbers[r])?;
            self.write(&buf)?;
            self.close()?;
        }
        // The catalog: its page tree is numbered as the one written here.
        buf.clear();
        write_object(
            &mut buf,
            &Object::Dictionary(catalog_dict.clone()),
            &numbers,
        );
        self.open(CATALOG)?;
        self.write(&buf)?;
        self.close()?;
        buf.clear();
        write_object(&mut buf, resources, &numbers);
        self.open(RESOURCES)?;
        self.write(&buf)?;
        self.close()?;
        self.open(PAGE_TREE)?;
        self.write(format!("<</Type/Pages/Count {}/Kids[", self.pages).as_bytes())?;
        buf.clear();
        for i in 0..self.pages {
            if i > 0 {
                buf.push(b' ');
            }
            buf.extend_from_slice(format!("{} 0 R", FIRST_PAGE + 2 * i + 1).as_bytes());
            if buf.len() > 1 << 16 {
                self.write(&buf)?;
                buf.clear();
            }
        }
        self.write(&buf)?;
        self.write(b"]>>")?;
        self.close()?;
        let xref = self.pos;
        let size = self.offsets.len();
        let mut table = format!("xref\n0 {size}\n0000000000 65535 f \n").into_bytes();
        let offsets = std::mem::take(&mut self.offsets);
        for &o in &offsets[1..] {
            if o == 0 {
                table.extend_from_slice(b"0000000000 65535 f \n");
            } else {
                table.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
            }
            if table.len() > 1 << 16 {
                self.write(&table)?;
                table.clear();
            }
        }
        self.write(&table)?;
        let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
        let info_no = numbers[&info];
        self.write(
            format!(
                "trailer\n<</Size {size}/Root {CATALOG} 0 R/Info {info_no} 0 R/ID[<{hex}><{hex}>]>>\nstartxref\n{xref}\n%%EOF\n"
            )
            .as_bytes(),
        )?;
        self.out.flush()?;
        Ok((self.out, self.pos))
    }
}

/// Zlib level 2, as the fonts and images of a report are deflated
/// (level 1 was 5% faster and PDFs 20% larger).
pub(crate) fn deflate(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut z = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::new(2),
    );
    z.write_all(bytes)?;
    z.finish()
}

/// The references in `o`, outside streams' content.
fn references(o: &Object, out: &mut Vec<ObjectId>) {
    match o {
        Object::Reference(r) => out.push(*r),
        Object::Array(items) => items.iter().for_each(|i| references(i, out)),
        Object::Dictionary(d) => d.iter().for_each(|(_, v)| references(v, out)),
        Object::Stream(s) => s.dict.iter().for_each(|(_, v)| references(v, out)),
        _ => {}
    }
}

/// A real as a PDF number: never an exponent.
fn real(v: f32) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "0".to_owned()
    }
}

/// `o` in PDF syntax, its references renumbered by `numbers`.
fn write_object(out: &mut Vec<u8>, o: &Object, numbers: &BTreeMap<ObjectId, u32>) {
    match o {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => out.extend_from_slice(real(*r).as_bytes()),
        Object::Name(n) => name(out, n),
        Object::String(s, StringFormat::Hexadecimal) => {
            out.push(b'<');
            for b in s {
                out.extend_from_slice(format!("{b:02x}").as_bytes());
            }
            out.push(b'>');
        }
        Object::String(s, StringFormat::Literal) => {
            out.push(b'(');
            for &b in s {
                match b {
                    b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', b]),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    _ => out.push(b),
                }
            }
            out.push(b')');
        }
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, item, numbers);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => dictionary(out, d, numbers),
        Object::Stream(s) => {
            let mut dict = s.dict.clone();
            dict.set("Length", Object::Integer(s.content.len() as i64));
            dictionary(out, &dict, numbers);
            out.extend_from_slice(b"stream\n");
            out.extend_from_slice(&s.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference(r) => {
            // A reference to nothing written is null (ISO 32000-1, 7.3.10).
            match numbers.get(r) {
                Some(n) => out.extend_from_slice(format!("{n} 0 R").as_bytes()),
                None => out.extend_from_slice(b"null"),
            }
        }
    }
}

fn dictionary(out: &mut Vec<u8>, d: &Dictionary, numbers: &BTreeMap<ObjectId, u32>) {
    out.extend_from_slice(b"<<");
    for (k, v) in d.iter() {
        name(out, k);
        out.push(b' ');
        write_object(out, v, numbers);
    }
    out.extend_from_slice(b">>");
}

fn name(out: &mut Vec<u8>, n: &[u8]) {
    out.push(b'/');
    for &b in n {
        let plain = b.is_ascii_graphic() && !b"#()<>[]{}/%".contains(&b);
        if plain {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}
