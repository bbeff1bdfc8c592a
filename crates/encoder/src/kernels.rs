//! The encoder's arithmetic: activations rounded to 8-bit blocks, products with 4-bit weight
//! matrices (AVX2 where the CPU has it, portable code elsewhere), LayerNorm, GELU, softmax.

use std::ops::Range;
use std::sync::{mpsc, Arc};

use crate::format::{BLOCK, Q4_BLOCK_BYTES};

/// Tokens whose rounded activations lie together, block by block, so a product reads the same
/// block of all of them from one place.
pub const TOKEN_GROUP: usize = 8;

/// Activations of `rows` tokens rounded to signed 8-bit values per block of 32, each block with
/// its scale, the sum of its values, and that sum times the scale times 8 (what the weights'
/// offset of 8 adds to a block's product, taken off once per output).
///
/// Values and scales lie in groups of `TOKEN_GROUP` tokens (fewer in the last group), block by
/// block within a group: block `b` of the group's `k`-th token is its `b · group + k`-th. Sums and
/// offsets lie token by token.
#[derive(Debug, Default, Clone)]
pub struct Quantized {
    values: Vec<i8>,
    scales: Vec<f32>,
    sums: Vec<i32>,
    offsets: Vec<f32>,
    blocks_per_row: usize,
}

impl Quantized {
    /// Number of rounded rows.
    pub fn rows(&self) -> usize {
        self.scales.len() / self.blocks_per_row.max(1)
    }

    /// Where block `b` of token `t` lies among the values' blocks and the scales.
    fn block_at(&self, t: usize, b: usize) -> usize {
        let first = t / TOKEN_GROUP * TOKEN_GROUP;
        let group = TOKEN_GROUP.min(self.rows() - first);
        first * self.blocks_per_row + b * group + (t - first)
    }

    /// Rounds `x` (`rows × width`, row-major) block by block.
    pub fn quantize_rows(&mut self, x: &[f32], width: usize) {
        let blocks = x.len() / BLOCK;
        self.blocks_per_row = width / BLOCK;
        self.values.resize(x.len(), 0);
        self.scales.resize(blocks, 0.0);
        self.sums.resize(blocks, 0);
        self.offsets.resize(blocks, 0.0);
        for (i, block) in x.chunks_exact(BLOCK).enumerate() {
            let at = self.block_at(i / self.blocks_per_row, i % self.blocks_per_row);
            let largest = block.iter().fold(0f32, |m, v| m.max(v.abs()));
            let scale = largest / 127.0;
            let inverse = if scale > 0.0 { 1.0 / scale } else { 0.0 };
            let out = &mut self.values[at * BLOCK..(at + 1) * BLOCK];
            let mut sum = 0i32;
            for (o, &v) in out.iter_mut().zip(block) {
                let q = round_to_even(v * inverse).clamp(-128, 127);
                *o = q as i8;
                sum += q;
            }
            self.scales[at] = scale;
            self.sums[i] = sum;
            self.offsets[i] = 8.0 * scale * sum as f32;
        }
    }
}

/// `x` rounded to the nearest integer, ties to even, for |x| < 2²², without a library call:
/// adding 1.5·2²³ leaves the rounded integer in the low mantissa bits.
#[inline]
fn round_to_even(x: f32) -> i32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5 · 2^23
    let shifted = (x + MAGIC).to_bits() as i32;
    shifted - MAGIC.to_bits() as i32
}

/// A `rows × cols` matrix of 4-bit weights in blocks of 32 along each row, with the blocks'
/// scales decoded once (for matrices used in products; a table only read row by row, such as
/// the word embeddings, keeps them in the file).
#[derive(Debug)]
pub struct Q4Matrix {
    /// Output rows.
    pub rows: usize,
    /// Input columns.
    pub cols: usize,
    /// Byte offset of the matrix in the model file.
    pub offset: usize,
    scales: Vec<f32>,
}

impl Q4Matrix {
    /// Describes the matrix at `offset` of `bytes` (the whole tensor).
    pub fn new(bytes: &[u8], offset: usize, rows: usize, cols: usize) -> Q4Matrix {
        let scales = bytes
            .chunks_exact(Q4_BLOCK_BYTES)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect();
        Q4Matrix {
            rows,
            cols,
            offset,
            scales,
        }
    }

    /// Describes a table that is only read row by row: no scales are decoded ahead.
    pub fn table(offset: usize, rows: usize, cols: usize) -> Q4Matrix {
        Q4Matrix {
            rows,
            cols,
            offset,
            scales: Vec::new(),
        }
    }

    /// One row's weights as floats.
    pub fn dequantize_row(&self, file: &[u8], row: usize, out: &mut [f32]) {
        let blocks = self.cols / BLOCK;
        let bytes = &file[self.offset + row * blocks * Q4_BLOCK_BYTES..];
        for b in 0..blocks {
            let at = b * Q4_BLOCK_BYTES;
            let scale = half::f16::from_le_bytes([bytes[at], bytes[at + 1]]).to_f32();
            let nibbles = &bytes[b * Q4_BLOCK_BYTES + 2..(b + 1) * Q4_BLOCK_BYTES];
            let out = &mut out[b * BLOCK..(b + 1) * BLOCK];
            for (j, &byte) in nibbles.iter().enumerate() {
                out[j] = ((byte & 0x0f) as i32 - 8) as f32 * scale;
                out[j + BLOCK / 2] = ((byte >> 4) as i32 - 8) as f32 * scale;
            }
        }
    }
}

/// Products smaller than this many multiply-adds run on one thread: handing a share to a helper
/// costs more.
const PARALLEL_WORK: usize = 1 << 20;

/// One helper's share of a product: the activations (its own copy), the weights and the output
/// rows to compute.
struct Share<'a> {
    x: Arc<Quantized>,
    file: &'a [u8],
    matrix: &'a Q4Matrix,
    bias: &'a [f32],
    outputs: Range<usize>,
}

/// Threads that take shares of the large products of one forward pass, and end with it. Between
/// products a helper polls its channel for at most `POLL_FOR`, then blocks on it: waking a
/// blocked thread takes tens of microseconds on a virtual machine, as long as half a product.
pub struct Helpers<'a> {
    shares: Vec<mpsc::Sender<Share<'a>>>,
    results: Vec<mpsc::Receiver<Vec<f32>>>,
}

/// Runs `body` with `count` helper threads (none when `count` is 0), which end with it.
pub fn with_helpers<'a, R>(count: usize, body: impl FnOnce(Option<&Helpers<'a>>) -> R) -> R {
    if count == 0 {
        return body(None);
    }
    std::thread::scope(|scope| {
        let mut helpers = Helpers {
            shares: Vec::with_capacity(count),
            results: Vec::with_capacity(count),
        };
        for _ in 0..count {
            let (share_tx, share_rx) = mpsc::channel::<Share<'a>>();
            let (result_tx, result_rx) = mpsc::channel();
            scope.spawn(move || {
                while let Ok(share) = receive(&share_rx) {
                    let rows = share.x.rows();
                    let mut part = vec![0f32; rows * share.outputs.len()];
                    multiply_range(
                        &share.x,
                        share.file,
                        share.matrix,
                        share.bias,
                        &mut part,
                        rows,
                        share.outputs,
                    );
                    if result_tx.send(part).is_err() {
                        break;
                    }
                }
            });
            helpers.shares.push(share_tx);
            helpers.results.push(result_rx);
        }
        // the senders drop with `helpers` when `body` returns, which ends the helpers' loops
        body(Some(&helpers))
    })
}

/// How long a waiting thread polls before it blocks.
const POLL_FOR: std::time::Duration = std::time::Duration::from_micros(200);

/// The next message of `channel`: polled for at most `POLL_FOR`, then waited for.
fn receive<T>(channel: &mpsc::Receiver<T>) -> Result<T, mpsc::RecvError> {
    let started = std::time::Instant::now();
    loop {
        for _ in 0..64 {
            match channel.try_recv() {
                Ok(message) => return Ok(message),
                Err(mpsc::TryRecvError::Disconnected) => return Err(mpsc::RecvError),
                Err(mpsc::TryRecvError::Empty) => std::hint::spin_loop(),
            }
        }
        if started.elapsed() >= POLL_FOR {
            return channel.recv();
        }
    }
}

/// `out[t][o] = Σ x[t]·w[o] + bias[o]` for every token `t` and output `o`, where `w` lies in
/// `file` as described by `matrix`; large products are split by output rows between this thread
/// and the helpers.
pub fn multiply<'a>(
    x: &Quantized,
    file: &'a [u8],
    matrix: &'a Q4Matrix,
    bias: &'a [f32],
    out: &mut [f32],
    helpers: Option<&Helpers<'a>>,
) {
    let rows = x.rows();
    assert!(out.len() >= rows * matrix.rows, "output buffer too small");
    let work = rows * matrix.rows * matrix.cols;
    let helpers = helpers.filter(|_| work >= PARALLEL_WORK);
    let Some(helpers) = helpers else {
        multiply_range(
            x,
            file,
            matrix,
            bias,
            &mut out[..rows * matrix.rows],
            rows,
            0..matrix.rows,
        );
        return;
    };
    multiply_shared(x, file, matrix, bias, out, helpers);
}

fn multiply_shared<'a>(
    x: &Quantized,
    file: &'a [u8],
    matrix: &'a Q4Matrix,
    bias: &'a [f32],
    out: &mut [f32],
    helpers: &Helpers<'a>,
) {
    let rows = x.rows();
    let parts = helpers.shares.len() + 1;
    let chunk = matrix.rows.div_ceil(parts);
    let range = |i: usize| (i * chunk).min(matrix.rows)..((i + 1) * chunk).min(matrix.rows);
    let shared = Arc::new(x.clone());
    for (i, sender) in helpers.shares.iter().enumerate() {
        let share = Share {
            x: Arc::clone(&shared),
            file,
            matrix,
            bias,
            outputs: range(i + 1),
        };
        sender.send(share).expect("a product helper is running");
    }
    let mine = range(0);
    let mut part = vec![0f32; rows * mine.len()];
    multiply_range(x, file, matrix, bias, &mut part, rows, mine.clone());
    place(out, &part, matrix.rows, rows, mine);
    for (i, results) in helpers.results.iter().enumerate() {
        let part = receive(results).expect("a product helper does not panic");
        place(out, &part, matrix.rows, rows, range(i + 1));
    }
}

/// Copies a `rows × outputs.len()` block into columns `outputs` of `out` (`rows × width`).
fn place(out: &mut [f32], part: &[f32], width: usize, rows: usize, outputs: Range<usize>) {
    let n = outputs.len();
    if n == 0 {
        return;
    }
    for t in 0..rows {
        let at = t * width;
        out[at + outputs.start..at + outputs.end].copy_from_slice(&part[t * n..(t + 1) * n]);
    }
}

/// Output columns `outputs` of the product into `out`, laid out `rows × outputs.len()`.
fn multiply_range(
    x: &Quantized,
    file: &[u8],
    matrix: &Q4Matrix,
    bias: &[f32],
    out: &mut [f32],
    rows: usize,
    outputs: Range<usize>,
) {
    #[cfg(target_arch = "x86_64")]
    {
        if has_vnni() {
            // SAFETY: the CPU has AVX2, FMA and the AVX-512 parts used, checked just above.
            unsafe { vnni::multiply_rows(x, file, matrix, bias, out, rows, outputs) };
            return;
        }
        if has_avx2() {
            // SAFETY: the CPU has AVX2 and FMA, checked just above.
            unsafe { avx2::multiply_rows(x, file, matrix, bias, out, rows, outputs) };
            return;
        }
    }
    multiply_portable(x, file, matrix, bias, out, rows, outputs);
}

/// Whether the CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

/// Whether the CPU also has the AVX-512 parts of the VNNI products.
#[cfg(target_arch = "x86_64")]
fn has_vnni() -> bool {
    has_avx2()
        && std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vl")
        && std::arch::is_x86_feature_detected!("avx512vnni")
}

fn multiply_portable(
    x: &Quantized,
    file: &[u8],
    matrix: &Q4Matrix,
    bias: &[f32],
    out: &mut [f32],
    rows: usize,
    outputs: Range<usize>,
) {
    let blocks = matrix.cols / BLOCK;
    let (first, width) = (outputs.start, outputs.len());
    for o in outputs {
        let weights = &file[matrix.offset + o * blocks * Q4_BLOCK_BYTES..];
        let scales = &matrix.scales[o * blocks..(o + 1) * blocks];
        for t in 0..rows {
            let mut total = 0f32;
            for b in 0..blocks {
                let nibbles = &weights[b * Q4_BLOCK_BYTES + 2..(b + 1) * Q4_BLOCK_BYTES];
                let at = x.block_at(t, b);
                let a = &x.values[at * BLOCK..];
                let mut dot = 0i32;
                for (j, &byte) in nibbles.iter().enumerate() {
                    dot += (byte & 0x0f) as i32 * a[j] as i32;
                    dot += (byte >> 4) as i32 * a[j + BLOCK / 2] as i32;
                }
                let sum = x.sums[t * blocks + b];
                total += scales[b] * x.scales[at] * (dot - 8 * sum) as f32;
            }
            out[t * width + o - first] = total + bias[o];
        }
    }
}

/// What every product kernel relies on: the matrix lies whole in `file`, and the activations,
/// scales, offsets, bias and output hold what `rows` tokens and `outputs` need.
#[cfg(target_arch = "x86_64")]
fn check_bounds(
    x: &Quantized,
    file: &[u8],
    matrix: &Q4Matrix,
    bias: &[f32],
    out: &[f32],
    rows: usize,
    outputs: &Range<usize>,
) {
    let blocks = matrix.cols / BLOCK;
    assert!(file.len() >= matrix.offset + matrix.rows * blocks * Q4_BLOCK_BYTES);
    assert!(x.values.len() >= rows * matrix.cols && out.len() >= rows * outputs.len());
    assert!(outputs.end <= matrix.rows && x.scales.len() >= rows * blocks);
    assert!(x.offsets.len() >= rows * blocks);
    assert!(bias.len() >= outputs.end);
}

/// Output columns `outputs` of the product into `out` (`rows × outputs.len()`): for each weight
/// row, the tokens group by group (at most `TOKEN_GROUP`), with `$kernel::<N>` for the group's
/// size, plus the row's bias. Expanded inside each kernel's `multiply_rows`, so that it is
/// compiled with that kernel's target features.
#[cfg(target_arch = "x86_64")]
macro_rules! rows_in_groups {
    ($kernel:ident, $x:expr, $file:expr, $matrix:expr, $bias:expr, $out:expr, $rows:expr, $outputs:expr) => {{
        let (x, file, matrix, bias, out, rows, outputs) =
            ($x, $file, $matrix, $bias, $out, $rows, $outputs);
        check_bounds(x, file, matrix, bias, out, rows, &outputs);
        let width = outputs.len();
        let first = outputs.start;
        for o in outputs {
            let row = WeightRow::of(file, matrix, o);
            let column = o - first;
            let bias = bias[o];
            let mut t = 0;
            while t < rows {
                let n = TOKEN_GROUP.min(rows - t);
                let out = &mut out[t * width + column..];
                let mut put = |dots: &[f32]| {
                    for (k, dot) in dots.iter().enumerate() {
                        *out.get_unchecked_mut(k * width) = dot + bias;
                    }
                };
                match n {
                    8 => put(&$kernel::<8>(&row, x, t)),
                    7 => put(&$kernel::<7>(&row, x, t)),
                    6 => put(&$kernel::<6>(&row, x, t)),
                    5 => put(&$kernel::<5>(&row, x, t)),
                    4 => put(&$kernel::<4>(&row, x, t)),
                    3 => put(&$kernel::<3>(&row, x, t)),
                    2 => put(&$kernel::<2>(&row, x, t)),
                    _ => put(&$kernel::<1>(&row, x, t)),
                }
                t += n;
            }
        }
    }};
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::*;
    use std::arch::x86_64::*;

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn unpack(nibbles: *const u8) -> __m256i {
        let bytes = _mm_loadu_si128(nibbles as *const __m128i);
        let mask = _mm_set1_epi8(0x0f);
        let low = _mm_and_si128(bytes, mask);
        let high = _mm_and_si128(_mm_srli_epi16(bytes, 4), mask);
        _mm256_set_m128i(high, low)
    }

    /// Output columns `outputs` of the product, written into `out` (`rows × outputs.len()`).
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn multiply_rows(
        x: &Quantized,
        file: &[u8],
        matrix: &Q4Matrix,
        bias: &[f32],
        out: &mut [f32],
        rows: usize,
        outputs: Range<usize>,
    ) {
        rows_in_groups!(tokens, x, file, matrix, bias, out, rows, outputs);
    }

    /// One output row's weights: its first block's nibbles (blocks lie `Q4_BLOCK_BYTES` apart)
    /// and its decoded scales.
    pub(super) struct WeightRow {
        pub(super) nibbles: *const u8,
        pub(super) scales: *const f32,
        pub(super) blocks: usize,
    }

    impl WeightRow {
        /// Row `o` of `matrix` in `file`.
        ///
        /// # Safety
        /// `file` holds the whole matrix and `o < matrix.rows`.
        pub(super) unsafe fn of(file: &[u8], matrix: &Q4Matrix, o: usize) -> WeightRow {
            let blocks = matrix.cols / BLOCK;
            WeightRow {
                nibbles: file
                    .as_ptr()
                    .add(matrix.offset + o * blocks * Q4_BLOCK_BYTES + 2),
                scales: matrix.scales.as_ptr().add(o * blocks),
                blocks,
            }
        }
    }

    /// The dot products of one weight row with the `N` tokens of the group from `first`, the
    /// row's nibbles unpacked once per block for all of them. The nibbles (0..15) multiply the signed
    /// activations as they are; the offset of 8 they carry is taken off at the end, through the
    /// activations' block sums.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn tokens<const N: usize>(
        row: &WeightRow,
        x: &Quantized,
        first: usize,
    ) -> [f32; N] {
        let blocks = row.blocks;
        let values = x.values.as_ptr().add(first * blocks * BLOCK);
        let scales = x.scales.as_ptr().add(first * blocks);
        let ones = _mm256_set1_epi16(1);
        let mut acc = [_mm256_setzero_ps(); N];
        for b in 0..blocks {
            let w = unpack(row.nibbles.add(b * Q4_BLOCK_BYTES));
            let weight_scale = _mm256_set1_ps(*row.scales.add(b));
            let (values, scales) = (values.add(b * N * BLOCK), scales.add(b * N));
            for (k, acc) in acc.iter_mut().enumerate() {
                let a = _mm256_loadu_si256(values.add(k * BLOCK) as *const __m256i);
                let pairs = _mm256_maddubs_epi16(w, a);
                let dot = _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, ones));
                let scale = _mm256_mul_ps(weight_scale, _mm256_broadcast_ss(&*scales.add(k)));
                *acc = _mm256_fmadd_ps(dot, scale, *acc);
            }
        }
        let offsets = x.offsets.as_ptr().add(first * blocks);
        let mut dots = [0f32; N];
        for (k, (d, acc)) in dots.iter_mut().zip(acc).enumerate() {
            *d = sum_less_scaled(acc, row.scales, offsets.add(k * blocks), blocks);
        }
        dots
    }

    /// The sum of `acc`'s lanes less Σ scales[i]·offsets[i] over `n` floats.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn sum_less_scaled(
        acc: __m256,
        scales: *const f32,
        offsets: *const f32,
        n: usize,
    ) -> f32 {
        let mut lanes = acc;
        let mut i = 0;
        while n - i >= 8 {
            let (s, o) = (
                _mm256_loadu_ps(scales.add(i)),
                _mm256_loadu_ps(offsets.add(i)),
            );
            lanes = _mm256_fnmadd_ps(s, o, lanes);
            i += 8;
        }
        let mut half = _mm_add_ps(
            _mm256_castps256_ps128(lanes),
            _mm256_extractf128_ps(lanes, 1),
        );
        if n - i >= 4 {
            let (s, o) = (_mm_loadu_ps(scales.add(i)), _mm_loadu_ps(offsets.add(i)));
            half = _mm_fnmadd_ps(s, o, half);
            i += 4;
        }
        let half = _mm_add_ps(half, _mm_movehl_ps(half, half));
        let half = _mm_add_ss(half, _mm_shuffle_ps(half, half, 1));
        let mut total = _mm_cvtss_f32(half);
        while i < n {
            total -= *scales.add(i) * *offsets.add(i);
            i += 1;
        }
        total
    }
}

/// The products with AVX-512 VNNI: one instruction multiplies and adds the weights' nibbles
/// with the activations four by four, and a 512-bit register holds two tokens' block at once
/// (block `b` of a group's tokens lies token after token).
#[cfg(target_arch = "x86_64")]
mod vnni {
    use super::avx2::{sum_less_scaled, unpack, WeightRow};
    use super::*;
    use std::arch::x86_64::*;

    /// Output columns `outputs` of the product, written into `out` (`rows × outputs.len()`).
    #[target_feature(enable = "avx2,fma,avx512f,avx512bw,avx512vl,avx512vnni")]
    pub unsafe fn multiply_rows(
        x: &Quantized,
        file: &[u8],
        matrix: &Q4Matrix,
        bias: &[f32],
        out: &mut [f32],
        rows: usize,
        outputs: Range<usize>,
    ) {
        rows_in_groups!(tokens, x, file, matrix, bias, out, rows, outputs);
    }

    /// As `avx2::tokens`: the dot products of one weight row with the `N` tokens of the group
    /// from `first`, tokens `2p` and `2p + 1` sharing the `p`-th 512-bit accumulator (the low and
    /// high half), an odd last token a 256-bit one.
    #[inline]
    #[target_feature(enable = "avx2,fma,avx512f,avx512bw,avx512vl,avx512vnni")]
    unsafe fn tokens<const N: usize>(row: &WeightRow, x: &Quantized, first: usize) -> [f32; N] {
        let blocks = row.blocks;
        let values = x.values.as_ptr().add(first * blocks * BLOCK);
        let scales = x.scales.as_ptr().add(first * blocks);
        let present: __mmask8 = ((1u16 << N) - 1) as __mmask8;
        // lanes 0-7 take the scale of token 2p, lanes 8-15 that of token 2p + 1
        let halves = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
        let mut pick = [_mm512_setzero_si512(); TOKEN_GROUP / 2];
        for (p, pick) in pick.iter_mut().enumerate().take(N / 2) {
            *pick = _mm512_add_epi32(halves, _mm512_set1_epi32(2 * p as i32));
        }
        let last = _mm256_set1_epi32(N as i32 - 1);
        let mut pairs = [_mm512_setzero_ps(); TOKEN_GROUP / 2];
        let mut odd = _mm256_setzero_ps();
        for b in 0..blocks {
            let w = unpack(row.nibbles.add(b * Q4_BLOCK_BYTES));
            let both = _mm512_broadcast_i64x4(w);
            let (values, scales) = (values.add(b * N * BLOCK), scales.add(b * N));
            // the weight's scale times each token's, for the block
            let products = _mm256_mul_ps(
                _mm256_set1_ps(*row.scales.add(b)),
                _mm256_maskz_loadu_ps(present, scales),
            );
            let wide = _mm512_castps256_ps512(products);
            for (p, acc) in pairs.iter_mut().enumerate().take(N / 2) {
                let a = _mm512_loadu_si512(values.add(2 * p * BLOCK) as *const _);
                let dot = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), both, a));
                *acc = _mm512_fmadd_ps(dot, _mm512_permutexvar_ps(pick[p], wide), *acc);
            }
            if N % 2 == 1 {
                let a = _mm256_loadu_si256(values.add((N - 1) * BLOCK) as *const __m256i);
                let dot = _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(_mm256_setzero_si256(), w, a));
                odd = _mm256_fmadd_ps(dot, _mm256_permutexvar_ps(last, products), odd);
            }
        }
        let offsets = x.offsets.as_ptr().add(first * blocks);
        let mut dots = [0f32; N];
        for k in 0..N {
            let acc = if k == N - 1 && N % 2 == 1 {
                odd
            } else if k % 2 == 0 {
                _mm512_castps512_ps256(pairs[k / 2])
            } else {
                _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(pairs[k / 2]), 1))
            };
            dots[k] = sum_less_scaled(acc, row.scales, offsets.add(k * blocks), blocks);
        }
        dots
    }
}

/// Lanes of independent partial sums in `dot` and `sum_of`: one running sum would make each
/// addition wait for the one before, and keeps the compiler from using vector registers.
const LANES: usize = 8;

/// Σ a·b over equally long slices, summed in `LANES` partial sums.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut partial = [0f32; LANES];
    let (a_lanes, b_lanes) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = a_lanes
        .remainder()
        .iter()
        .zip(b_lanes.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_lanes.zip(b_lanes) {
        for k in 0..LANES {
            partial[k] += x[k] * y[k];
        }
    }
    partial.iter().sum::<f32>() + tail
}

/// Σ f(v) over `values`, summed in `LANES` partial sums.
fn sum_of(values: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut partial = [0f32; LANES];
    let lanes = values.chunks_exact(LANES);
    let tail: f32 = lanes.remainder().iter().map(|&v| f(v)).sum();
    for chunk in lanes {
        for k in 0..LANES {
            partial[k] += f(chunk[k]);
        }
    }
    partial.iter().sum::<f32>() + tail
}

/// What one attention reads: the queries, keys and values of `n` tokens (`n × width` each),
/// split into `heads` heads.
pub struct Attention<'a> {
    /// Queries.
    pub q: &'a [f32],
    /// Keys.
    pub k: &'a [f32],
    /// Values.
    pub v: &'a [f32],
    /// Tokens.
    pub n: usize,
    /// Heads.
    pub heads: usize,
}

/// Scaled dot-product attention: `context` (`n × width`, zeroed) gets each token's mix of the
/// values, weighted by the softmax of its query's products with the keys; `scores` holds `n`
/// floats of scratch.
pub fn attend(inputs: &Attention, scores: &mut [f32], context: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has AVX2 and FMA, checked just above.
            unsafe { attend_avx2(inputs, scores, context) };
            return;
        }
    }
    attend_heads(inputs, scores, context);
}

/// The same loops compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn attend_avx2(inputs: &Attention, scores: &mut [f32], context: &mut [f32]) {
    attend_heads(inputs, scores, context);
}

#[inline(always)]
fn attend_heads(inputs: &Attention, scores: &mut [f32], context: &mut [f32]) {
    let Attention { q, k, v, n, heads } = *inputs;
    let width = q.len() / n.max(1);
    let head = width / heads;
    let scale = 1.0 / (head as f32).sqrt();
    let scores = &mut scores[..n];
    for at in (0..heads).map(|h| h * head) {
        for i in 0..n {
            let qi = &q[i * width + at..i * width + at + head];
            for (j, score) in scores.iter_mut().enumerate() {
                let kj = &k[j * width + at..j * width + at + head];
                *score = dot(qi, kj) * scale;
            }
            softmax(scores);
            let ci = &mut context[i * width + at..i * width + at + head];
            for (j, &p) in scores.iter().enumerate() {
                let vj = &v[j * width + at..j * width + at + head];
                for (c, v) in ci.iter_mut().zip(vj) {
                    *c += p * v;
                }
            }
        }
    }
}

/// LayerNorm of each row of `x` in place.
pub fn layer_norm(x: &mut [f32], width: usize, weight: &[f32], bias: &[f32], epsilon: f32) {
    for row in x.chunks_exact_mut(width) {
        let mean = sum_of(row, |v| v) / width as f32;
        let variance = sum_of(row, |v| (v - mean) * (v - mean)) / width as f32;
        let inverse = 1.0 / (variance + epsilon).sqrt();
        for ((v, w), b) in row.iter_mut().zip(weight).zip(bias) {
            *v = (*v - mean) * inverse * w + b;
        }
    }
}

/// GELU with the error function, in place; eight values at a time where the CPU has AVX2.
pub fn gelu(x: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has AVX2 and FMA, checked just above.
            unsafe { gelu_avx2(x) };
            return;
        }
    }
    gelu_values(x);
}

/// The same loop compiled for AVX2, which the compiler then vectorises eight wide.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn gelu_avx2(x: &mut [f32]) {
    gelu_values(x);
}

#[inline(always)]
fn gelu_values(x: &mut [f32]) {
    for v in x {
        *v = 0.5 * *v * (1.0 + erf(*v * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// The error function to within 1.5·10⁻⁷ (Abramowitz & Stegun 7.1.26), branch-free but for
/// the sign.
#[inline(always)]
fn erf(x: f32) -> f32 {
    const P: f32 = 0.327_591_1;
    const A: [f32; 5] = [
        0.254_829_6,
        -0.284_496_74,
        1.421_413_8,
        -1.453_152_1,
        1.061_405_4,
    ];
    let t = 1.0 / (1.0 + P * x.abs());
    let poly = t * (A[0] + t * (A[1] + t * (A[2] + t * (A[3] + t * A[4]))));
    let y = 1.0 - poly * exp(-x * x);
    y.copysign(x)
}

/// e^x to within a few units in the last place, for x down to −87 (below, about 10⁻³⁸), without
/// a library call so that loops over it vectorise: x = k·ln 2 + r with |r| ≤ ln 2 / 2, e^r by
/// its polynomial, 2^k put straight into the exponent bits.
#[inline(always)]
fn exp(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5 · 2^23: adding it rounds to an integer
    const LN2_HIGH: f32 = 0.693_359_4;
    const LN2_LOW: f32 = -2.121_944_4e-4;
    const C: [f32; 6] = [
        1.987_569_1e-4,
        1.398_2e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        1.666_666_5e-1,
        0.5,
    ];
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * std::f32::consts::LOG2_E + MAGIC;
    let k = shifted - MAGIC;
    let whole = shifted.to_bits() as i32 - MAGIC.to_bits() as i32;
    let r = x - k * LN2_HIGH - k * LN2_LOW;
    let poly = ((((C[0] * r + C[1]) * r + C[2]) * r + C[3]) * r + C[4]) * r + C[5];
    let e_r = poly * r * r + r + 1.0;
    e_r * f32::from_bits(((whole + 127) << 23) as u32)
}

/// Softmax of `x` in place.
#[inline]
pub fn softmax(x: &mut [f32]) {
    let largest = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut total = 0.0;
    for v in x.iter_mut() {
        *v = exp(*v - largest);
        total += *v;
    }
    for v in x.iter_mut() {
        *v /= total;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Q4 matrix of `rows × 32` whose row `r` has every nibble `r + 9` (weight `r + 1`) and
    /// scale 0.5.
    fn constant_matrix(rows: usize) -> (Vec<u8>, Q4Matrix) {
        let mut bytes = Vec::new();
        for r in 0..rows {
            bytes.extend_from_slice(&half::f16::from_f32(0.5).to_le_bytes());
            let nibble = (r + 9) as u8;
            bytes.extend(std::iter::repeat_n(nibble | (nibble << 4), BLOCK / 2));
        }
        let matrix = Q4Matrix::new(&bytes, 0, rows, BLOCK);
        (bytes, matrix)
    }

    #[test]
    fn quantized_blocks_round_to_the_largest_magnitude() {
        let mut q = Quantized::default();
        let mut x = vec![0.0; BLOCK];
        x[0] = 2.0;
        x[1] = -1.0;
        q.quantize_rows(&x, BLOCK);
        assert_eq!(q.values[0], 127);
        assert_eq!(q.values[1], -64);
        assert!((q.scales[0] - 2.0 / 127.0).abs() < 1e-7);
        assert_eq!(q.sums[0], 63);
    }

    #[test]
    fn product_with_weights_matches_floats() {
        let (bytes, matrix) = constant_matrix(3);
        let x: Vec<f32> = (0..2 * BLOCK).map(|i| (i as f32 - 20.0) / 10.0).collect();
        let mut q = Quantized::default();
        q.quantize_rows(&x, BLOCK);
        let bias = [0.1, 0.2, 0.3];
        let mut out = vec![0.0; 6];
        multiply(&q, &bytes, &matrix, &bias, &mut out, None);
        let mut portable = vec![0.0; 6];
        multiply_portable(&q, &bytes, &matrix, &bias, &mut portable, 2, 0..3);
        for t in 0..2 {
            let row_sum: f32 = x[t * BLOCK..(t + 1) * BLOCK].iter().sum();
            for o in 0..3 {
                let expected = row_sum * 0.5 * (o as f32 + 1.0) + bias[o];
                let got = out[t * 3 + o];
                let tolerance = 0.05 + 0.005 * expected.abs();
                assert!(
                    (got - expected).abs() < tolerance,
                    "t={t} o={o}: {got} vs {expected}"
                );
                assert!(
                    (portable[t * 3 + o] - got).abs() < 1e-3,
                    "portable path agrees"
                );
            }
        }
    }

    #[test]
    fn tokens_in_a_full_and_a_partial_group_match_the_portable_product() {
        let rows = TOKEN_GROUP + 3;
        let (bytes, matrix) = constant_matrix(5);
        let cols = BLOCK;
        let x: Vec<f32> = (0..rows * cols)
            .map(|i| ((i * 37) % 23) as f32 / 7.0 - 1.5)
            .collect();
        let mut q = Quantized::default();
        q.quantize_rows(&x, cols);
        let bias = [0.0, 0.1, 0.2, 0.3, 0.4];
        let mut fast = vec![0.0; rows * 5];
        multiply_range(&q, &bytes, &matrix, &bias, &mut fast, rows, 0..5);
        let mut portable = vec![0.0; rows * 5];
        multiply_portable(&q, &bytes, &matrix, &bias, &mut portable, rows, 0..5);
        for (i, (f, p)) in fast.iter().zip(&portable).enumerate() {
            assert!((f - p).abs() < 1e-3, "output {i}: {f} vs {p}");
        }
    }

    /// A Q4 matrix of `rows × cols` with nibbles and scales that vary by row and block.
    fn varied_matrix(rows: usize, cols: usize) -> (Vec<u8>, Q4Matrix) {
        let mut bytes = Vec::new();
        for r in 0..rows {
            for b in 0..cols / BLOCK {
                let scale = 0.01 * (1 + (r * 7 + b * 3) % 11) as f32;
                bytes.extend_from_slice(&half::f16::from_f32(scale).to_le_bytes());
                bytes.extend((0..BLOCK / 2).map(|j| ((r * 31 + b * 17 + j * 5) % 256) as u8));
            }
        }
        let matrix = Q4Matrix::new(&bytes, 0, rows, cols);
        (bytes, matrix)
    }

    #[test]
    fn every_kernel_the_cpu_has_matches_the_portable_product() {
        let (outputs, cols) = (6, 4 * BLOCK);
        let (bytes, matrix) = varied_matrix(outputs, cols);
        let bias: Vec<f32> = (0..outputs).map(|o| o as f32 / 10.0).collect();
        // every group size, full groups and a partial one
        for rows in 1..=2 * TOKEN_GROUP + 3 {
            let x: Vec<f32> = (0..rows * cols)
                .map(|i| ((i * 7919) % 211) as f32 / 60.0 - 1.7)
                .collect();
            let mut q = Quantized::default();
            q.quantize_rows(&x, cols);
            let mut portable = vec![0.0; rows * outputs];
            multiply_portable(&q, &bytes, &matrix, &bias, &mut portable, rows, 0..outputs);
            let mut kernels: Vec<(&str, Vec<f32>)> = Vec::new();
            #[cfg(target_arch = "x86_64")]
            {
                if has_avx2() {
                    let mut out = vec![0.0; rows * outputs];
                    // SAFETY: the CPU has AVX2 and FMA.
                    unsafe {
                        avx2::multiply_rows(&q, &bytes, &matrix, &bias, &mut out, rows, 0..outputs)
                    };
                    kernels.push(("avx2", out));
                }
                if has_vnni() {
                    let mut out = vec![0.0; rows * outputs];
                    // SAFETY: the CPU has AVX2, FMA and the AVX-512 parts used.
                    unsafe {
                        vnni::multiply_rows(&q, &bytes, &matrix, &bias, &mut out, rows, 0..outputs)
                    };
                    kernels.push(("vnni", out));
                }
            }
            for (name, out) in kernels {
                for (i, (f, p)) in out.iter().zip(&portable).enumerate() {
                    assert!(
                        (f - p).abs() < 1e-4,
                        "{name}, {rows} tokens, output {i}: {f} vs {p}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_product_split_over_threads_equals_the_whole() {
        let rows = 300;
        let (bytes, matrix) = constant_matrix(rows);
        let x: Vec<f32> = (0..256 * BLOCK)
            .map(|i| ((i * 7919) % 101) as f32 / 50.0 - 1.0)
            .collect();
        let mut q = Quantized::default();
        q.quantize_rows(&x, BLOCK);
        let bias = vec![0.5; rows];
        let mut one = vec![0.0; 256 * rows];
        multiply_range(&q, &bytes, &matrix, &bias, &mut one, 256, 0..rows);
        let mut split = vec![0.0; 256 * rows];
        with_helpers(2, |helpers| {
            multiply(&q, &bytes, &matrix, &bias, &mut split, helpers)
        });
        assert_eq!(one, split);
    }

    #[test]
    fn dequantized_row_holds_the_weights() {
        let (bytes, matrix) = constant_matrix(2);
        let mut row = vec![0.0; BLOCK];
        matrix.dequantize_row(&bytes, 1, &mut row);
        assert!(row.iter().all(|&w| w == 1.0), "{row:?}");
        let mut from_table = vec![0.0; BLOCK];
        Q4Matrix::table(0, 2, BLOCK).dequantize_row(&bytes, 1, &mut from_table);
        assert_eq!(row, from_table, "a table reads its scales from the file");
    }

    #[test]
    fn lane_sums_equal_plain_sums() {
        let a: Vec<f32> = (0..37).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..37).map(|i| 1.0 - i as f32 * 0.1).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!(
            (dot(&a, &b) - plain).abs() < 1e-3,
            "{} vs {plain}",
            dot(&a, &b)
        );
        assert_eq!(sum_of(&a, |v| v), a.iter().sum::<f32>());
    }

    #[test]
    fn layer_norm_centres_and_scales() {
        let mut x = vec![1.0, 3.0];
        layer_norm(&mut x, 2, &[1.0, 1.0], &[0.0, 0.0], 1e-12);
        assert!(
            (x[0] + 1.0).abs() < 1e-5 && (x[1] - 1.0).abs() < 1e-5,
            "{x:?}"
        );
    }

    #[test]
    fn erf_matches_the_library_function() {
        for i in -400..=400 {
            let x = i as f32 / 100.0;
            assert!((erf(x) - libm::erff(x)).abs() < 1e-6, "erf({x})");
        }
    }

    #[test]
    fn exp_matches_the_library_function() {
        for i in -8700..=8800 {
            let x = i as f32 / 100.0;
            let (got, want) = (exp(x), x.exp());
            assert!(
                (got - want).abs() <= 4e-7 * want,
                "exp({x}) = {got}, not {want}"
            );
        }
    }

    #[test]
    fn rounding_goes_to_the_nearest_even_integer() {
        for (x, want) in [
            (0.5, 0),
            (1.5, 2),
            (2.5, 2),
            (-0.5, 0),
            (-1.5, -2),
            (3.7, 4),
            (-3.2, -3),
        ] {
            assert_eq!(round_to_even(x), want, "{x}");
        }
    }

    #[test]
    fn gelu_is_zero_at_zero_and_identity_far_out() {
        let mut x = vec![0.0, 10.0, -10.0];
        gelu(&mut x);
        assert_eq!(x[0], 0.0);
        assert!((x[1] - 10.0).abs() < 1e-4 && x[2].abs() < 1e-4, "{x:?}");
    }

    #[test]
    fn softmax_sums_to_one() {
        let mut x = vec![1.0, 2.0, 1000.0];
        softmax(&mut x);
        assert!((x.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(x[2] > 0.99);
    }
}
