//! The shape of an object's link text, for grouping descriptors into trends.

/// `link` with every run of digits replaced by `#`, so `log17.txt` and
/// `log18.txt` have one shape, `log#.txt`, as do `pipe:[1234]` and `pipe:[99]`.
pub fn shape(link: &str) -> String {
    let mut out = String::with_capacity(link.len());
    let mut in_digits = false;
    for c in link.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::shape;

    #[test]
    fn digit_runs_become_one_hash() {
        assert_eq!(shape("log17.txt"), "log#.txt");
        assert_eq!(shape("pipe:[1234]"), "pipe:[#]");
        assert_eq!(shape("/tmp/a"), "/tmp/a");
        assert_eq!(shape("v2.3-x"), "v#.#-x");
    }
}
