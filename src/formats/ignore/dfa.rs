//! Matching a compiled pattern in time linear in the path: a deterministic automaton built
//! lazily from the pattern's Thompson program (the set of program positions alive at a point of
//! the path is one state), cached across paths, with every unit of work counted against the
//! pattern list's step budget.
//!
//! A cached transition costs one step per character; building a state costs the program
//! positions its closure visits. Real patterns have a handful of states, so a path costs about
//! its length. The cache of all patterns of a list holds at most [`MAX_CACHE_ENTRIES`] entries;
//! past that it is cleared and rebuilt as needed (the work stays counted, so the budget still
//! bounds it).

use std::collections::BTreeMap;

use super::program::{Inst, Program};
use super::regex::Look;

/// The most entries (program positions of states, plus 128 ASCII transitions a state) the
/// caches of one pattern list hold together: about 8 MiB.
pub(super) const MAX_CACHE_ENTRIES: usize = 1 << 21;

/// A transition not computed yet.
const UNKNOWN: u32 = u32::MAX;
/// A transition into a match: the path matches whatever follows.
const MATCHED: u32 = u32::MAX - 1;

/// The character before a position, as far as the program's assertions care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prev {
    /// The start of the text.
    Start,
    /// A word character (`[0-9A-Za-z_]`).
    Word,
    /// Any other character.
    Other,
}

fn is_word(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

#[derive(Debug, Clone)]
struct State {
    /// Program positions to explore at this point (before the closure), sorted.
    pending: Box<[u32]>,
    prev: Prev,
    /// Next state by ASCII character (`UNKNOWN` until computed).
    ascii: Box<[u32; 128]>,
    /// Whether the text matches when it ends here (computed once).
    accept_end: Option<bool>,
    /// No text going on from here can match.
    dead: bool,
}

/// One pattern's automaton.
#[derive(Debug, Clone, Default)]
struct Dfa {
    states: Vec<State>,
    index: BTreeMap<(Prev, Box<[u32]>), u32>,
    /// Transitions on non-ASCII characters.
    wide: BTreeMap<(u32, char), u32>,
}

/// The automata of a pattern list, their shared scratch space and the work spent.
#[derive(Debug, Clone, Default)]
pub(super) struct Cache {
    dfas: Vec<Dfa>,
    entries: usize,
    /// How many times the caches were cleared (state numbers of an older epoch are void).
    epoch: u64,
    /// `seen[pc] == mark` marks the program positions of the closure being computed.
    seen: Vec<u32>,
    mark: u32,
    stack: Vec<u32>,
    /// Steps spent so far, and the most allowed.
    pub(super) steps: u64,
    pub(super) budget: u64,
}

/// The budget ran out: the match was not decided.
pub(super) struct OutOfSteps;

impl Cache {
    /// A cache for `patterns` programs (indexed like the pattern list) with a step budget.
    pub(super) fn new(patterns: usize, budget: u64) -> Cache {
        Cache {
            dfas: vec![Dfa::default(); patterns],
            budget,
            ..Cache::default()
        }
    }

    /// Counts `n` steps; `Err` once the budget is spent.
    pub(super) fn spend(&mut self, n: u64) -> Result<(), OutOfSteps> {
        self.steps = self.steps.saturating_add(n);
        if self.steps > self.budget {
            Err(OutOfSteps)
        } else {
            Ok(())
        }
    }

    /// Whether the program (pattern number `id`) matches `text` or, when `at_slashes`, one of
    /// the prefixes of `text` that end before a `/` (Go's `MatchString` on each).
    pub(super) fn any_prefix_matches(
        &mut self,
        id: usize,
        program: &Program,
        text: &str,
        at_slashes: bool,
    ) -> Result<bool, OutOfSteps> {
        self.spend(text.len() as u64 + 1)?;
        let mut state = self.intern(id, program, vec![0], Prev::Start)?;
        for c in text.chars() {
            if self.dfas[id].states[state as usize].dead {
                return Ok(false);
            }
            if c == '/' && at_slashes && self.accept_end(id, program, state)? {
                return Ok(true);
            }
            let known = match u8::try_from(c).ok().filter(u8::is_ascii) {
                Some(b) => self.dfas[id].states[state as usize].ascii[usize::from(b)],
                None => *self.dfas[id].wide.get(&(state, c)).unwrap_or(&UNKNOWN),
            };
            let next = if known == UNKNOWN {
                self.step(id, program, state, c)?
            } else {
                known
            };
            if next == MATCHED {
                return Ok(true);
            }
            state = next;
        }
        self.accept_end(id, program, state)
    }

    /// Computes (and caches) the transition of `state` on `c`.
    fn step(
        &mut self,
        id: usize,
        program: &Program,
        state: u32,
        c: char,
    ) -> Result<u32, OutOfSteps> {
        let (pending, prev) = {
            let s = &self.dfas[id].states[state as usize];
            (s.pending.clone(), s.prev)
        };
        let mut alive = Vec::new();
        if self.closure(program, &pending, prev, Some(c), &mut alive)? {
            self.remember(id, state, c, MATCHED);
            return Ok(MATCHED);
        }
        self.spend(alive.len() as u64)?;
        let mut next = vec![0];
        next.extend(
            alive
                .iter()
                .filter(|&&pc| consumes(&program.insts[pc as usize], c))
                .map(|pc| pc + 1),
        );
        crate::sorting::sort_by(&mut next, |a, b| a.cmp(b));
        next.dedup();
        let prev = if is_word(c) { Prev::Word } else { Prev::Other };
        let epoch = self.epoch;
        let target = self.intern(id, program, next, prev)?;
        // Interning may have cleared the caches (then `state` no longer exists).
        if self.epoch == epoch {
            self.remember(id, state, c, target);
        }
        Ok(target)
    }

    fn remember(&mut self, id: usize, state: u32, c: char, target: u32) {
        let dfa = &mut self.dfas[id];
        match u8::try_from(c).ok().filter(u8::is_ascii) {
            Some(b) => dfa.states[state as usize].ascii[usize::from(b)] = target,
            None => {
                if dfa.wide.insert((state, c), target).is_none() {
                    self.entries += 2;
                }
            }
        }
    }

    /// The state for `pending` after `prev`, added when new.
    fn intern(
        &mut self,
        id: usize,
        program: &Program,
        pending: Vec<u32>,
        prev: Prev,
    ) -> Result<u32, OutOfSteps> {
        let key = (prev, pending.into_boxed_slice());
        if let Some(&found) = self.dfas[id].index.get(&key) {
            return Ok(found);
        }
        let cost = 2 * key.1.len() + 136;
        self.spend(cost as u64)?;
        if self.entries + cost > MAX_CACHE_ENTRIES {
            for dfa in &mut self.dfas {
                *dfa = Dfa::default();
            }
            self.entries = 0;
            self.epoch += 1;
        }
        self.entries += cost;
        let begins = matches!(program.insts.first(), Some(Inst::Look(Look::Begin)));
        let dfa = &mut self.dfas[id];
        let number = dfa.states.len() as u32;
        dfa.states.push(State {
            pending: key.1.clone(),
            prev,
            ascii: Box::new([UNKNOWN; 128]),
            accept_end: None,
            // Only the restart at position 0 is left, and it needs the start of the text.
            dead: begins && prev != Prev::Start && *key.1 == [0],
        });
        dfa.index.insert(key, number);
        Ok(number)
    }

    fn accept_end(&mut self, id: usize, program: &Program, state: u32) -> Result<bool, OutOfSteps> {
        let s = &self.dfas[id].states[state as usize];
        if let Some(known) = s.accept_end {
            return Ok(known);
        }
        let (pending, prev) = (s.pending.clone(), s.prev);
        let accepts = self.closure(program, &pending, prev, None, &mut Vec::new())?;
        self.dfas[id].states[state as usize].accept_end = Some(accepts);
        Ok(accepts)
    }

    /// Follows the program from `pending` without consuming, with `prev` before the point and
    /// `cur` after it: pushes the consuming positions reached onto `alive`; `true` when a match
    /// is reached.
    fn closure(
        &mut self,
        program: &Program,
        pending: &[u32],
        prev: Prev,
        cur: Option<char>,
        alive: &mut Vec<u32>,
    ) -> Result<bool, OutOfSteps> {
        let insts = &program.insts;
        if self.seen.len() < insts.len() {
            self.seen.resize(insts.len(), 0);
        }
        self.mark = self.mark.wrapping_add(1);
        if self.mark == 0 {
            self.seen.fill(0);
            self.mark = 1;
        }
        self.stack.clear();
        self.stack.extend(pending.iter().rev());
        let mut visited = 0u64;
        let mut matched = false;
        while let Some(pc) = self.stack.pop() {
            let slot = &mut self.seen[pc as usize];
            if *slot == self.mark {
                continue;
            }
            *slot = self.mark;
            visited += 1;
            match &insts[pc as usize] {
                Inst::Jmp(t) => self.stack.push(*t as u32),
                Inst::Split(a, b) => self.stack.extend([*b as u32, *a as u32]),
                Inst::Look(look) => {
                    let word_before = prev == Prev::Word;
                    let word_after = cur.is_some_and(is_word);
                    let holds = match look {
                        Look::Begin => prev == Prev::Start,
                        Look::End => cur.is_none(),
                        Look::WordBoundary => word_before != word_after,
                        Look::NotWordBoundary => word_before == word_after,
                    };
                    if holds {
                        self.stack.push(pc + 1);
                    }
                }
                Inst::Match => {
                    matched = true;
                    break;
                }
                _ => alive.push(pc),
            }
        }
        self.spend(visited)?;
        Ok(matched)
    }
}

/// Whether a consuming instruction accepts `c`.
fn consumes(inst: &Inst, c: char) -> bool {
    match inst {
        Inst::Char(x) => c as u32 == *x,
        Inst::Class(ranges) => ranges
            .iter()
            .any(|&(lo, hi)| (lo..=hi).contains(&(c as u32))),
        Inst::AnyNotNl => c != '\n',
        _ => false,
    }
}
