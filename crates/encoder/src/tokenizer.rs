//! The SentencePiece unigram tokenizer of the encoder: normalisation, the `▁` word marker and
//! the most probable segmentation into vocabulary pieces (Viterbi).

use std::collections::HashMap;
use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

/// SentencePiece's word-boundary marker, U+2581.
const WORD_MARK: char = '\u{2581}';
/// How much less likely than the rarest piece an unknown character is.
const UNKNOWN_PENALTY: f32 = 10.0;

/// A unigram tokenizer over a fixed vocabulary.
pub struct Tokenizer {
    blob: Vec<u8>,
    ranges: Vec<(u32, u32)>,
    scores: Vec<f32>,
    lookup: HashTable<u32>,
    hasher: FxBuildHasher,
    normalizer: HashMap<u32, Vec<u32>>,
    longest_piece: usize,
    unknown_score: f32,
    /// Id of the unknown piece.
    pub unk: u32,
    /// Id of `<s>`.
    pub bos: u32,
    /// Id of `</s>`.
    pub eos: u32,
}

impl Tokenizer {
    /// Builds the tokenizer from its pieces (as bytes), their scores and the normaliser map.
    pub fn new<'a>(
        pieces: impl IntoIterator<Item = &'a [u8]>,
        scores: Vec<f32>,
        normalizer: HashMap<u32, Vec<u32>>,
        (bos, eos, unk): (u32, u32, u32),
    ) -> Tokenizer {
        let mut blob = Vec::new();
        let mut ranges = Vec::with_capacity(scores.len());
        for piece in pieces {
            let start = blob.len() as u32;
            blob.extend_from_slice(piece);
            ranges.push((start, blob.len() as u32));
        }
        let hasher = FxBuildHasher;
        let mut lookup = HashTable::with_capacity(ranges.len());
        let mut longest_piece = 1;
        for (id, &(start, end)) in ranges.iter().enumerate() {
            let bytes = &blob[start as usize..end as usize];
            if bytes.is_empty() {
                continue;
            }
            longest_piece = longest_piece.max(bytes.len());
            let hash = hasher.hash_one(bytes);
            let seen = lookup
                .find(hash, |&other: &u32| {
                    let (s, e) = ranges[other as usize];
                    &blob[s as usize..e as usize] == bytes
                })
                .is_some();
            if !seen {
                lookup.insert_unique(hash, id as u32, |&other: &u32| {
                    let (s, e) = ranges[other as usize];
                    hasher.hash_one(&blob[s as usize..e as usize])
                });
            }
        }
        let rarest = scores.iter().copied().fold(f32::INFINITY, f32::min);
        let unknown_score = if rarest.is_finite() { rarest } else { 0.0 } - UNKNOWN_PENALTY;
        Tokenizer {
            blob,
            ranges,
            scores,
            lookup,
            hasher,
            normalizer,
            longest_piece,
            unknown_score,
            unk,
            bos,
            eos,
        }
    }

    /// The id of a piece given as bytes, if it is in the vocabulary.
    fn piece_id(&self, bytes: &[u8]) -> Option<u32> {
        let hash = self.hasher.hash_one(bytes);
        self.lookup
            .find(hash, |&id| {
                let (s, e) = self.ranges[id as usize];
                &self.blob[s as usize..e as usize] == bytes
            })
            .copied()
    }

    /// Normalises text the way the vocabulary was built: each code point mapped through the
    /// normaliser, runs of spaces collapsed, a leading word mark, spaces as word marks.
    pub fn normalize(&self, text: &str) -> String {
        let mut mapped = String::with_capacity(text.len() + 3);
        for c in text.chars() {
            match self.normalizer.get(&(c as u32)) {
                Some(replacement) => {
                    mapped.extend(replacement.iter().filter_map(|&cp| char::from_u32(cp)))
                }
                None => mapped.push(c),
            }
        }
        let mut out = String::with_capacity(mapped.len() + 3);
        if !mapped.starts_with(' ') {
            out.push(WORD_MARK);
        }
        let mut previous_space = false;
        for c in mapped.chars() {
            let space = c == ' ';
            if space && previous_space {
                continue;
            }
            previous_space = space;
            out.push(if space { WORD_MARK } else { c });
        }
        out
    }

    /// Splits text into piece ids (no `<s>`/`</s>`), the most probable segmentation.
    pub fn tokenize(&self, text: &str) -> Vec<u32> {
        let normalized = self.normalize(text);
        let bytes = normalized.as_bytes();
        // char boundaries, as byte offsets, with the end
        let mut bounds: Vec<usize> = normalized.char_indices().map(|(i, _)| i).collect();
        bounds.push(bytes.len());
        let n = bounds.len() - 1;
        let mut best = vec![f32::NEG_INFINITY; n + 1];
        // (piece id or None for an unknown character, start char index)
        let mut back: Vec<(Option<u32>, usize)> = vec![(None, 0); n + 1];
        best[0] = 0.0;
        for i in 0..n {
            if best[i] == f32::NEG_INFINITY {
                continue;
            }
            for e in i + 1..=n {
                let piece = &bytes[bounds[i]..bounds[e]];
                if piece.len() > self.longest_piece {
                    break;
                }
                if let Some(id) = self.piece_id(piece).filter(|&id| id != self.unk) {
                    let score = best[i] + self.scores[id as usize];
                    if score > best[e] {
                        best[e] = score;
                        back[e] = (Some(id), i);
                    }
                }
            }
            let unknown = best[i] + self.unknown_score;
            if unknown > best[i + 1] {
                best[i + 1] = unknown;
                back[i + 1] = (None, i);
            }
        }
        let mut ids = Vec::new();
        let mut at = n;
        while at > 0 {
            let (id, from) = back[at];
            ids.push(id.unwrap_or(self.unk));
            at = from;
        }
        ids.reverse();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Tokenizer {
        let pieces: Vec<&[u8]> = vec![
            b"<s>",
            b"<pad>",
            b"</s>",
            b"<unk>",
            "▁".as_bytes(),
            "▁chat".as_bytes(),
            "gpt".as_bytes(),
            "▁chatgpt".as_bytes(),
            "g".as_bytes(),
            "p".as_bytes(),
            "t".as_bytes(),
            "名字".as_bytes(),
            "名".as_bytes(),
        ];
        let scores = vec![
            0.0, 0.0, 0.0, 0.0, -2.0, -5.0, -6.0, -8.0, -9.0, -9.0, -9.0, -4.0, -7.0,
        ];
        let mut normalizer = HashMap::new();
        normalizer.insert('Ｃ' as u32, vec!['c' as u32]);
        normalizer.insert('\u{200b}' as u32, vec![]);
        Tokenizer::new(pieces, scores, normalizer, (0, 2, 3))
    }

    #[test]
    fn the_most_probable_segmentation_wins() {
        // ▁chatgpt (-8) beats ▁chat + gpt (-11)
        assert_eq!(tiny().tokenize("chatgpt"), vec![7]);
    }

    #[test]
    fn spaces_become_word_marks_and_collapse() {
        let t = tiny();
        assert_eq!(t.normalize("a  b"), "▁a▁b");
        assert_eq!(t.normalize(" a"), "▁a");
    }

    #[test]
    fn the_normaliser_maps_and_removes_code_points() {
        assert_eq!(tiny().normalize("Ｃ\u{200b}x"), "▁cx");
    }

    #[test]
    fn an_unknown_character_becomes_unk() {
        // ▁ then 🤖 (unknown) then 名字
        assert_eq!(tiny().tokenize("🤖名字"), vec![4, 3, 11]);
    }

    #[test]
    fn the_unknown_piece_itself_is_never_matched() {
        assert_eq!(
            tiny().tokenize("<unk>").len(),
            6,
            "five unknown characters and ▁"
        );
    }

    #[test]
    fn empty_text_is_the_word_mark_alone() {
        assert_eq!(tiny().tokenize(""), vec![4]);
    }
}
