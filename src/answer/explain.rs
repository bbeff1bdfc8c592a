//! Diagnostics: how a question is understood and scored, stage by stage, for tuning.

use super::retrieve::notes;
use super::state::rankings;
use super::understand;
use super::{decide, examine, Engine};

impl Engine {
    /// How a question is understood and scored, for tuning: its concepts (importance, presence,
    /// variants) and the top candidates with coverage and evidence.
    pub fn explain(&self, question: &str) -> String {
        let understood = understand::understand_text(&self.state, question, false);
        let plan = &understood.plan;
        let mut out = format!("normalized: {}\ncues: {:?}\n", plan.normalized, plan.cues);
        for c in &plan.concepts {
            let variants: Vec<String> = c
                .variants
                .iter()
                .map(|v| format!("{}:{:.2}", v.text, v.weight))
                .collect();
            out.push_str(&format!(
                "  {} imp={:.2} present={} focus={} entity={} grams={} [{}]\n",
                c.label,
                c.importance,
                c.present,
                c.focus,
                c.entity,
                c.grams.len(),
                variants.join(" ")
            ));
        }
        if !understood.never_mentioned.is_empty() {
            out.push_str(&format!(
                "never mentioned: {}\n",
                understood.never_mentioned.join(", ")
            ));
        }
        let examined = examine(&self.state, &understood, None, None);
        out.push_str(&format!(
            "mode: {}\nanswerable: {:.3} (threshold {:.3})\n",
            self.mode(),
            decide::answerable(decide::ranking_of(&self.state, &examined), &examined),
            decide::ranking_of(&self.state, &examined).threshold
        ));
        let signals = &examined.signals;
        out.push_str(&format!(
            "notes: closest {:.3}; unanswered closest {:.3}, share of the {} nearest texts {:.2}\n",
            signals.note_closest,
            signals.unanswered_closest,
            notes::NEAREST_TEXTS,
            signals.unanswered_share
        ));
        let several = self.state.corpus.transcripts.len() > 1;
        for s in examined.ranked.iter().take(5) {
            let c = &s.candidate;
            let transcript = match self.state.corpus.transcripts.get(c.transcript) {
                Some(t) if several => format!("{}#", t.id),
                _ => String::new(),
            };
            let features: Vec<String> = rankings::PASSAGE_FEATURES
                .iter()
                .zip(&s.features.values)
                .map(|(name, v)| format!("{name}={v:.2}"))
                .collect();
            out.push_str(&format!(
                "  -> {transcript}{}-{} fused={:.3} matched={:?}\n     {}\n",
                c.start,
                c.end,
                s.score,
                c.matched,
                features.join(" ")
            ));
        }
        out
    }
}
