//! A parsed expression compiled to a Thompson program, matched by the lazy automaton of
//! `dfa.rs`; in the tests also run as a Pike VM (linear in the path length, no backtracking),
//! the reference that automaton is checked against.

use super::regex::{Look, Node};
use super::{Why, TOO_COMPLEX};

/// One instruction of a Thompson program.
#[derive(Debug, Clone)]
pub(super) enum Inst {
    Char(u32),
    Class(Box<[(u32, u32)]>),
    AnyNotNl,
    Look(Look),
    Split(usize, usize),
    Jmp(usize),
    Match,
}

/// A compiled pattern: its instructions, the first at index 0.
#[derive(Debug, Clone)]
pub(super) struct Program {
    pub(super) insts: Vec<Inst>,
}

/// The most instructions one pattern compiles to.
const MAX_INSTS: usize = 10_000;

impl Program {
    /// Appends `inst`; its index.
    pub(super) fn push(&mut self, inst: Inst) -> Result<usize, Why> {
        if self.insts.len() >= MAX_INSTS {
            return Err(TOO_COMPLEX);
        }
        self.insts.push(inst);
        Ok(self.insts.len() - 1)
    }

    /// Appends the instructions of `node`.
    pub(super) fn emit(&mut self, node: &Node) -> Result<(), Why> {
        match node {
            Node::Char(c) => self.push(Inst::Char(*c)).map(drop),
            Node::Class(r) => self.push(Inst::Class(r.clone().into())).map(drop),
            Node::AnyNotNl => self.push(Inst::AnyNotNl).map(drop),
            Node::Look(l) => self.push(Inst::Look(*l)).map(drop),
            Node::Cat(items) => items.iter().try_for_each(|n| self.emit(n)),
            Node::Alt(branches) => {
                let mut jumps = Vec::new();
                for (k, branch) in branches.iter().enumerate() {
                    if k + 1 == branches.len() {
                        self.emit(branch)?;
                    } else {
                        let split = self.push(Inst::Split(0, 0))?;
                        self.emit(branch)?;
                        jumps.push(self.push(Inst::Jmp(0))?);
                        self.insts[split] = Inst::Split(split + 1, self.insts.len());
                    }
                }
                let end = self.insts.len();
                for j in jumps {
                    self.insts[j] = Inst::Jmp(end);
                }
                Ok(())
            }
            Node::Repeat(sub, min, max) => {
                for _ in 0..*min {
                    self.emit(sub)?;
                }
                let mut splits = Vec::new();
                match max {
                    None => {
                        let split = self.push(Inst::Split(0, 0))?;
                        self.emit(sub)?;
                        self.push(Inst::Jmp(split))?;
                        splits.push(split);
                    }
                    Some(max) => {
                        for _ in *min..*max {
                            splits.push(self.push(Inst::Split(0, 0))?);
                            self.emit(sub)?;
                        }
                    }
                }
                let end = self.insts.len();
                for s in splits {
                    self.insts[s] = Inst::Split(s + 1, end);
                }
                Ok(())
            }
        }
    }

    /// Whether the expression matches anywhere in `text` (Go's `MatchString`), by a Pike VM:
    /// the reference the automaton of [`dfa`] is checked against.
    #[cfg(test)]
    pub(super) fn is_match(&self, text: &str) -> bool {
        let n = self.insts.len();
        // `seen[pc] == step` marks the threads of the current position.
        let mut seen = vec![usize::MAX; n];
        let mut threads: Vec<usize> = Vec::new();
        let mut next: Vec<usize> = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        let mut prev: Option<char> = None;
        let mut chars = text.chars();
        let mut step = 0;
        loop {
            let cur = chars.clone().next();
            // The unanchored search starts a thread at every position.
            next.push(0);
            threads.clear();
            stack.extend(next.drain(..).rev());
            while let Some(pc) = stack.pop() {
                if seen[pc] == step {
                    continue;
                }
                seen[pc] = step;
                match &self.insts[pc] {
                    Inst::Jmp(t) => stack.push(*t),
                    Inst::Split(a, b) => stack.extend([*b, *a]),
                    Inst::Look(look) => {
                        let word = |c: Option<char>| {
                            c.is_some_and(|c| c == '_' || c.is_ascii_alphanumeric())
                        };
                        let holds = match look {
                            Look::Begin => prev.is_none(),
                            Look::End => cur.is_none(),
                            Look::WordBoundary => word(prev) != word(cur),
                            Look::NotWordBoundary => word(prev) == word(cur),
                        };
                        if holds {
                            stack.push(pc + 1);
                        }
                    }
                    Inst::Match => return true,
                    _ => threads.push(pc),
                }
            }
            let Some(c) = cur else { return false };
            for &pc in &threads {
                let ok = match &self.insts[pc] {
                    Inst::Char(x) => c as u32 == *x,
                    Inst::Class(ranges) => ranges
                        .iter()
                        .any(|&(lo, hi)| (lo..=hi).contains(&(c as u32))),
                    Inst::AnyNotNl => c != '\n',
                    _ => false,
                };
                if ok {
                    next.push(pc + 1);
                }
            }
            chars.next();
            prev = Some(c);
            step += 1;
        }
    }
}
