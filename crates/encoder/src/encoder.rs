//! The encoder's forward pass: token ids → contextual vectors → one mean-pooled, L2-normalised
//! sentence vector, for texts of any length.

use std::path::Path;

use crate::error::Result;
use crate::format::{DType, ModelFile};
use crate::kernels::{
    attend, dot, gelu, layer_norm, multiply, with_helpers, Attention, Helpers, Q4Matrix, Quantized,
};
use crate::tokenizer::Tokenizer;

/// Whether a text is a question or a passage: the model was trained with a prefix for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A question (`query: `).
    Query,
    /// A passage to be found (`passage: `).
    Passage,
}

impl Role {
    fn prefix(self) -> &'static str {
        match self {
            Role::Query => "query: ",
            Role::Passage => "passage: ",
        }
    }
}

struct Linear {
    weight: Q4Matrix,
    bias: Vec<f32>,
}

struct Norm {
    weight: Vec<f32>,
    bias: Vec<f32>,
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: Norm,
    expand: Linear,
    contract: Linear,
    output_norm: Norm,
}

/// A sentence encoder read from a model file. Synchronous and shareable across threads.
pub struct Encoder {
    file: ModelFile,
    tokenizer: Tokenizer,
    words: Q4Matrix,
    positions: Vec<f32>,
    token_type: Vec<f32>,
    embedding_norm: Norm,
    layers: Vec<Layer>,
}

/// Scratch buffers of one forward pass, reused across layers.
#[derive(Default)]
struct Scratch {
    quantized: Quantized,
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    context: Vec<f32>,
    projected: Vec<f32>,
    wide: Vec<f32>,
    scores: Vec<f32>,
}

impl Encoder {
    /// Opens a model file (memory-mapped; only small tensors are copied).
    pub fn open(path: &Path) -> Result<Encoder> {
        let file = ModelFile::open(path)?;
        let shape = file.shape;
        let h = shape.hidden;
        let ff = shape.feed_forward;
        let tables = &file.tokenizer;
        let tokenizer = Tokenizer::new(
            (0..tables.pieces.len()).map(|i| file.piece(i)),
            tables.scores.clone(),
            tables.normalizer.clone(),
            (tables.bos, tables.eos, tables.unk),
        );
        let matrix = |name: &str, rows: usize, cols: usize| -> Result<Q4Matrix> {
            let bytes = file.tensor(name, DType::Q4, rows * cols)?;
            let offset = bytes.as_ptr() as usize - file_start(&file);
            Ok(Q4Matrix::new(bytes, offset, rows, cols))
        };
        let linear = |name: &str, rows: usize, cols: usize| -> Result<Linear> {
            Ok(Linear {
                weight: matrix(&format!("{name}.w"), rows, cols)?,
                bias: file.f32_tensor(&format!("{name}.b"), rows)?,
            })
        };
        let norm = |name: &str| -> Result<Norm> {
            Ok(Norm {
                weight: file.f32_tensor(&format!("{name}.w"), h)?,
                bias: file.f32_tensor(&format!("{name}.b"), h)?,
            })
        };
        let mut layers = Vec::with_capacity(shape.layers);
        for l in 0..shape.layers {
            layers.push(Layer {
                query: linear(&format!("l{l}.q"), h, h)?,
                key: linear(&format!("l{l}.k"), h, h)?,
                value: linear(&format!("l{l}.v"), h, h)?,
                attention_out: linear(&format!("l{l}.ao"), h, h)?,
                attention_norm: norm(&format!("l{l}.aln"))?,
                expand: linear(&format!("l{l}.fi"), ff, h)?,
                contract: linear(&format!("l{l}.fo"), h, ff)?,
                output_norm: norm(&format!("l{l}.oln"))?,
            });
        }
        let words = {
            let bytes = file.tensor("emb.word", DType::Q4, shape.vocabulary * h)?;
            let offset = bytes.as_ptr() as usize - file_start(&file);
            Q4Matrix::table(offset, shape.vocabulary, h)
        };
        let positions = file.f32_tensor("emb.pos", shape.max_positions * h)?;
        let token_type = file.f32_tensor("emb.type", 2 * h)?;
        let embedding_norm = norm("emb.ln")?;
        Ok(Encoder {
            file,
            tokenizer,
            words,
            positions,
            token_type,
            embedding_norm,
            layers,
        })
    }

    /// Width of the vectors.
    pub fn dimension(&self) -> usize {
        self.file.shape.hidden
    }

    /// Content token ids of a text with its role's prefix (no `<s>`/`</s>`).
    pub fn tokenize(&self, text: &str, role: Role) -> Vec<u32> {
        let prefixed = format!("{}{}", role.prefix(), text);
        self.tokenizer.tokenize(&prefixed)
    }

    /// The L2-normalised vector of a text, on one thread. Texts longer than the model's window
    /// are split into windows whose pooled vectors are averaged, weighted by their numbers of
    /// tokens.
    pub fn embed(&self, text: &str, role: Role) -> Vec<f32> {
        self.embed_on(text, role, 1)
    }

    /// As `embed`, its large products split over up to `threads` threads.
    pub fn embed_on(&self, text: &str, role: Role, threads: usize) -> Vec<f32> {
        let content = self.tokenize(text, role);
        let per_window = self.file.shape.max_positions - 2;
        let h = self.dimension();
        let mut total = vec![0f32; h];
        let mut scratch = Scratch::default();
        let windows: Vec<&[u32]> = if content.is_empty() {
            vec![&[]]
        } else {
            content.chunks(per_window).collect()
        };
        for window in windows {
            let mut ids = Vec::with_capacity(window.len() + 2);
            ids.push(self.tokenizer.bos);
            ids.extend_from_slice(window);
            ids.push(self.tokenizer.eos);
            let pooled = self.pooled(&ids, &mut scratch, threads);
            let weight = window.len().max(1) as f32;
            for (t, p) in total.iter_mut().zip(&pooled) {
                *t += weight * p;
            }
        }
        normalized(total)
    }

    /// Mean of the final hidden states of one window of ids.
    fn pooled(&self, ids: &[u32], scratch: &mut Scratch, threads: usize) -> Vec<f32> {
        let h = self.dimension();
        let n = ids.len();
        let map: &[u8] = self.file.bytes();
        let mut x = vec![0f32; n * h];
        for (t, &id) in ids.iter().enumerate() {
            let row = &mut x[t * h..(t + 1) * h];
            let id = (id as usize).min(self.words.rows - 1);
            self.words.dequantize_row(map, id, row);
            let position = &self.positions[t * h..(t + 1) * h];
            for ((v, p), ty) in row.iter_mut().zip(position).zip(&self.token_type[..h]) {
                *v += p + ty;
            }
        }
        let epsilon = self.file.shape.epsilon;
        let norm = &self.embedding_norm;
        layer_norm(&mut x, h, &norm.weight, &norm.bias, epsilon);
        with_helpers(threads.clamp(1, 8) - 1, |helpers| {
            for layer in &self.layers {
                self.layer(layer, &mut x, n, scratch, helpers);
            }
        });
        let mut pooled = vec![0f32; h];
        for row in x.chunks_exact(h) {
            for (p, v) in pooled.iter_mut().zip(row) {
                *p += v;
            }
        }
        pooled.iter_mut().for_each(|p| *p /= n as f32);
        pooled
    }

    fn layer<'a>(
        &'a self,
        layer: &'a Layer,
        x: &mut [f32],
        n: usize,
        s: &mut Scratch,
        helpers: Option<&Helpers<'a>>,
    ) {
        let h = self.dimension();
        let heads = self.file.shape.heads;
        let ff = self.file.shape.feed_forward;
        let map = self.file.bytes();
        let epsilon = self.file.shape.epsilon;
        let apply = |q: &Quantized, linear: &'a Linear, out: &mut Vec<f32>, width: usize| {
            out.resize(n * width, 0.0);
            multiply(q, map, &linear.weight, &linear.bias, out, helpers);
        };

        s.quantized.quantize_rows(x, h);
        apply(&s.quantized, &layer.query, &mut s.q, h);
        apply(&s.quantized, &layer.key, &mut s.k, h);
        apply(&s.quantized, &layer.value, &mut s.v, h);
        s.context.clear();
        s.context.resize(n * h, 0.0);
        s.scores.resize(n, 0.0);
        let inputs = Attention {
            q: &s.q,
            k: &s.k,
            v: &s.v,
            n,
            heads,
        };
        attend(&inputs, &mut s.scores, &mut s.context);
        s.quantized.quantize_rows(&s.context, h);
        apply(&s.quantized, &layer.attention_out, &mut s.projected, h);
        for (v, p) in x.iter_mut().zip(&s.projected) {
            *v += p;
        }
        let norm = &layer.attention_norm;
        layer_norm(x, h, &norm.weight, &norm.bias, epsilon);

        s.quantized.quantize_rows(x, h);
        apply(&s.quantized, &layer.expand, &mut s.wide, ff);
        gelu(&mut s.wide);
        s.quantized.quantize_rows(&s.wide, ff);
        apply(&s.quantized, &layer.contract, &mut s.projected, h);
        for (v, p) in x.iter_mut().zip(&s.projected) {
            *v += p;
        }
        let norm = &layer.output_norm;
        layer_norm(x, h, &norm.weight, &norm.bias, epsilon);
    }
}

fn file_start(file: &ModelFile) -> usize {
    file.bytes().as_ptr() as usize
}

/// `v` scaled to unit length (a zero vector stays zero).
pub fn normalized(mut v: Vec<f32>) -> Vec<f32> {
    let length = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
    v.iter_mut().for_each(|x| *x /= length);
    v
}

/// Cosine of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    dot(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalized_vectors_have_unit_length() {
        let v = normalized(vec![3.0, 4.0]);
        assert!((cosine(&v, &v) - 1.0).abs() < 1e-6);
        assert_eq!(normalized(vec![0.0, 0.0]), vec![0.0, 0.0]);
    }
}
