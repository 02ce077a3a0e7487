//! One sort for the whole crate. Every `slice::sort_by` with its own element type and
//! comparator instantiates the standard library's sort anew (3–4 KB of wasm each, a dozen call
//! sites); sorting a permutation of indices through one `&dyn` comparator instantiates it once,
//! which keeps the `.wasm` inside its size budget. The order is stable.

use std::cmp::Ordering;

/// Sorts `items` by `compare`, keeping equal items in their original order.
pub(crate) fn sort_by<T>(items: &mut Vec<T>, compare: impl Fn(&T, &T) -> Ordering) {
    let order = permutation(items.len(), &|a, b| compare(&items[a], &items[b]));
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(order.into_iter().filter_map(|index| slots[index].take()));
}

/// Sorts strings (byte order).
pub(crate) fn sort_strings<S: AsRef<str>>(items: &mut Vec<S>) {
    sort_by(items, |a, b| a.as_ref().cmp(b.as_ref()));
}

/// The indices `0..len` in the order `compare` gives, ties by index.
fn permutation(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_unstable_by(|&a, &b| compare(a, b).then(a.cmp(&b)));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_stably() {
        let mut items = vec![(2, 'a'), (1, 'b'), (2, 'c'), (0, 'd'), (1, 'e')];
        sort_by(&mut items, |a, b| a.0.cmp(&b.0));
        assert_eq!(items, [(0, 'd'), (1, 'b'), (1, 'e'), (2, 'a'), (2, 'c')]);
    }

    #[test]
    fn sorts_strings_by_bytes() {
        let mut items = vec![
            "b".to_string(),
            "B".into(),
            "a".into(),
            "é".into(),
            String::new(),
        ];
        sort_strings(&mut items);
        assert_eq!(items, ["", "B", "a", "b", "é"]);
    }
}
