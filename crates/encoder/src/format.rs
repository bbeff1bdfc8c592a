//! The model file: its header, tokenizer tables and tensor directory, read from a memory map
//! without copying the weights.

use std::collections::HashMap;
use std::path::Path;

use memmap2::Mmap;

use crate::error::{Error, Result};

/// File magic of the model format.
const MAGIC: &[u8; 4] = b"E5S1";
/// Weights per quantisation block.
pub const BLOCK: usize = 32;
/// Bytes of one Q4_0 block: an f16 scale and 16 bytes of nibbles.
pub const Q4_BLOCK_BYTES: usize = 2 + BLOCK / 2;

/// Shape of the encoder, from the file header.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// Hidden width.
    pub hidden: usize,
    /// Number of layers.
    pub layers: usize,
    /// Attention heads.
    pub heads: usize,
    /// Feed-forward width.
    pub feed_forward: usize,
    /// Rows of the word embedding.
    pub vocabulary: usize,
    /// Longest input, in tokens, `<s>` and `</s>` included.
    pub max_positions: usize,
    /// LayerNorm epsilon.
    pub epsilon: f32,
}

/// How a tensor's elements are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    /// Little-endian f32.
    F32,
    /// Blocks of 32 weights: f16 scale, then 16 bytes of 4-bit values (low nibbles first).
    Q4,
}

/// Where a tensor lies in the file.
#[derive(Debug, Clone, Copy)]
pub struct TensorRef {
    /// Storage type.
    pub dtype: DType,
    /// Number of elements.
    pub elements: usize,
    /// Byte offset from the start of the file.
    pub offset: usize,
    /// Length in bytes.
    pub bytes: usize,
}

/// The tokenizer's tables, as stored.
#[derive(Debug)]
pub struct TokenizerTables {
    /// Id of `<s>`.
    pub bos: u32,
    /// Id of `</s>`.
    pub eos: u32,
    /// Id of the unknown piece.
    pub unk: u32,
    /// Byte ranges of each piece within the file.
    pub pieces: Vec<(u32, u32)>,
    /// Log-probability of each piece.
    pub scores: Vec<f32>,
    /// Code point → replacement code points (empty: removed).
    pub normalizer: HashMap<u32, Vec<u32>>,
}

/// A model file opened read-only and memory-mapped.
pub struct ModelFile {
    map: Mmap,
    /// The encoder's shape.
    pub shape: Shape,
    /// Tokenizer tables.
    pub tokenizer: TokenizerTables,
    tensors: HashMap<String, TensorRef>,
}

/// Reads little-endian values from a byte slice, failing cleanly at the end.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| format!("truncated at byte {}", self.at))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }
    fn u8(&mut self) -> std::result::Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> std::result::Result<u16, String> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().expect("2 bytes"),
        ))
    }
    fn u32(&mut self) -> std::result::Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn i32(&mut self) -> std::result::Result<i32, String> {
        Ok(i32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> std::result::Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    fn f32(&mut self) -> std::result::Result<f32, String> {
        Ok(f32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn count(&mut self) -> std::result::Result<usize, String> {
        let n = self.i32()?;
        usize::try_from(n).map_err(|_| format!("negative count {n} at byte {}", self.at - 4))
    }
    /// A count of entries that take at least `entry_bytes` each, refused when the rest of the
    /// file cannot hold them (so that a corrupted count never reserves memory for them).
    fn count_of(&mut self, entry_bytes: usize) -> std::result::Result<usize, String> {
        let n = self.count()?;
        let left = self.bytes.len() - self.at;
        if n.saturating_mul(entry_bytes) > left {
            return Err(format!(
                "count {n} at byte {} exceeds the file's remaining {left} bytes",
                self.at - 4
            ));
        }
        Ok(n)
    }
}

impl ModelFile {
    /// Opens and checks a model file.
    pub fn open(path: &Path) -> Result<ModelFile> {
        let io = |cause| Error::Io {
            path: path.to_path_buf(),
            cause,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        // SAFETY: the file is opened read-only and never written by this process; a model
        // file replaced while mapped is renamed into place, so the mapped inode stays intact.
        let map = unsafe { Mmap::map(&file) }.map_err(io)?;
        let (shape, tokenizer, tensors) = parse(&map).map_err(|message| Error::Malformed {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(ModelFile {
            map,
            shape,
            tokenizer,
            tensors,
        })
    }

    /// The whole file.
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// The bytes of a piece of the vocabulary.
    pub fn piece(&self, id: usize) -> &[u8] {
        let (start, end) = self.tokenizer.pieces[id];
        &self.map[start as usize..end as usize]
    }

    /// The raw bytes of a named tensor of the expected type and size.
    pub fn tensor(&self, name: &str, dtype: DType, elements: usize) -> Result<&[u8]> {
        let fail = |message: String| Error::Tensor {
            name: name.to_string(),
            message,
        };
        let t = self
            .tensors
            .get(name)
            .ok_or_else(|| fail("missing".into()))?;
        if t.dtype != dtype || t.elements != elements {
            return Err(fail(format!(
                "expected {dtype:?} × {elements}, found {:?} × {}",
                t.dtype, t.elements
            )));
        }
        let expected = match dtype {
            DType::F32 => elements * 4,
            DType::Q4 => elements / BLOCK * Q4_BLOCK_BYTES,
        };
        let end = t
            .offset
            .checked_add(t.bytes)
            .filter(|&e| e <= self.map.len());
        match end {
            Some(end) if t.bytes == expected => Ok(&self.map[t.offset..end]),
            _ => Err(fail("byte range does not fit".into())),
        }
    }

    /// A named f32 tensor, copied out (they are small: biases, norms, positions).
    pub fn f32_tensor(&self, name: &str, elements: usize) -> Result<Vec<f32>> {
        let bytes = self.tensor(name, DType::F32, elements)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
            .collect())
    }
}

type Parsed = (Shape, TokenizerTables, HashMap<String, TensorRef>);

fn parse(bytes: &[u8]) -> std::result::Result<Parsed, String> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(4)? != MAGIC {
        return Err("not a model file (bad magic)".into());
    }
    let version = r.u32()?;
    if version != 1 {
        return Err(format!("unsupported model format version {version}"));
    }
    let hidden = r.count()?;
    let layers = r.count()?;
    let heads = r.count()?;
    let feed_forward = r.count()?;
    let vocabulary = r.count()?;
    let max_positions = r.count()?;
    let _type_vocabulary = r.count()?;
    let epsilon = r.f32()?;
    let block = r.count()?;
    if block != BLOCK || hidden % BLOCK != 0 || feed_forward % BLOCK != 0 || heads == 0 {
        return Err(format!(
            "unsupported shape: block {block}, hidden {hidden}, ff {feed_forward}"
        ));
    }
    if hidden % heads != 0 || max_positions < 3 {
        return Err(format!(
            "unsupported shape: {heads} heads, {max_positions} positions"
        ));
    }
    let shape = Shape {
        hidden,
        layers,
        heads,
        feed_forward,
        vocabulary,
        max_positions,
        epsilon,
    };

    // each piece has an offset and a score
    let n_pieces = r.count_of(8)?;
    let bos = r.count()? as u32;
    let eos = r.count()? as u32;
    let _pad = r.count()?;
    let unk = r.count()? as u32;
    let blob_len = usize::try_from(r.u64()?).map_err(|_| "blob too large")?;
    let mut offsets = Vec::with_capacity(n_pieces + 1);
    for _ in 0..=n_pieces {
        offsets.push(r.u32()?);
    }
    let mut scores = Vec::with_capacity(n_pieces);
    for _ in 0..n_pieces {
        scores.push(r.f32()?);
    }
    let blob_start = r.at;
    r.take(blob_len)?;
    let mut pieces = Vec::with_capacity(n_pieces);
    for pair in offsets.windows(2) {
        let (start, end) = (pair[0] as usize, pair[1] as usize);
        if start > end || end > blob_len {
            return Err("piece offsets out of range".into());
        }
        pieces.push(((blob_start + start) as u32, (blob_start + end) as u32));
    }
    for id in [bos, eos, unk] {
        if id as usize >= n_pieces || id as usize >= vocabulary {
            return Err(format!("special token id {id} out of range"));
        }
    }

    // each entry has a code point and a length
    let entries = r.count_of(5)?;
    let table_len = r.u32()? as usize;
    let table_end = r.at + table_len;
    let mut normalizer = HashMap::with_capacity(entries);
    for _ in 0..entries {
        let code_point = r.u32()?;
        let n = r.u8()? as usize;
        let mut replacement = Vec::with_capacity(n);
        for _ in 0..n {
            replacement.push(r.u32()?);
        }
        normalizer.insert(code_point, replacement);
    }
    if r.at != table_end {
        return Err("normaliser table length mismatch".into());
    }

    // each entry has a name length, a type, an element count, an offset and a byte length
    let count = r.count_of(2 + 1 + 4 + 8 + 8)?;
    let mut tensors = HashMap::with_capacity(count);
    for _ in 0..count {
        let name_len = r.u16()? as usize;
        let name = String::from_utf8(r.take(name_len)?.to_vec())
            .map_err(|_| "tensor name is not UTF-8")?;
        let dtype = match r.u8()? {
            0 => DType::F32,
            1 => DType::Q4,
            other => return Err(format!("tensor {name}: unknown type {other}")),
        };
        let elements = r.u32()? as usize;
        let offset = usize::try_from(r.u64()?).map_err(|_| "offset too large")?;
        let length = usize::try_from(r.u64()?).map_err(|_| "length too large")?;
        tensors.insert(
            name,
            TensorRef {
                dtype,
                elements,
                offset,
                bytes: length,
            },
        );
    }
    let tokenizer = TokenizerTables {
        bos,
        eos,
        unk,
        pieces,
        scores,
        normalizer,
    };
    // every layer has its own tensors: more layers than tensors is a corrupted count
    if shape.layers > tensors.len() {
        return Err(format!(
            "{} layers but {} tensors",
            shape.layers,
            tensors.len()
        ));
    }
    Ok((shape, tokenizer, tensors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_with_another_magic_is_refused() {
        let err = parse(b"GGUF\x01\x00\x00\x00").unwrap_err();
        assert!(err.contains("magic"), "{err}");
    }

    #[test]
    fn a_truncated_header_is_refused() {
        let err = parse(b"E5S1\x01\x00\x00\x00\x80\x01").unwrap_err();
        assert!(err.contains("truncated"), "{err}");
    }

    #[test]
    fn a_count_larger_than_the_file_is_refused_before_anything_is_reserved() {
        let mut bytes = b"E5S1\x01\x00\x00\x00".to_vec();
        // hidden, layers, heads, feed-forward, vocabulary, positions, type vocabulary
        for value in [384i32, 12, 12, 1536, 250_037, 512, 2] {
            bytes.extend_from_slice(&value.to_le_bytes());
        }
        bytes.extend_from_slice(&1e-12f32.to_le_bytes());
        bytes.extend_from_slice(&32i32.to_le_bytes());
        // a piece count of i32::MAX, then the special ids and the blob length, in a file far
        // too short for that many pieces
        bytes.extend_from_slice(&i32::MAX.to_le_bytes());
        bytes.extend_from_slice(&[0; 28]);
        let err = parse(&bytes).unwrap_err();
        assert!(err.contains("exceeds"), "{err}");
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert!(parse(b"").is_err());
    }
}
