//! The top-level types of a Java source, read from its structure.
//!
//! Java wants a source file named after its public top-level type, and
//! `java CLASS` must be given the class whose `main` runs. Both are read
//! from the tokens outside comments, string, character and text-block
//! literals, at brace depth 0 (top-level types) and 1 (their members), so a
//! word "class" in a comment or a nested `static class Helper` never names
//! the program.

/// One top-level class, interface, enum or record of a Java source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopLevelType {
    /// Its simple name.
    pub name: String,
    /// Whether it is declared `public`.
    pub public: bool,
    /// Whether it declares a `static ... main(...)` member.
    pub has_main: bool,
}

/// The top-level types of `source`, in order.
pub fn top_level_types(source: &str) -> Vec<TopLevelType> {
    let tokens = tokens(source);
    let mut types: Vec<TopLevelType> = Vec::new();
    // The type whose body is open at depth 1, as an index into `types`.
    let mut open: Option<usize> = None;
    let mut depth = 0usize;
    // Words since the last declaration boundary at the current depth.
    let mut words: Vec<&str> = Vec::new();
    let mut pending: Option<TopLevelType> = None;
    for (i, token) in tokens.iter().enumerate() {
        match *token {
            Token::Open => {
                if depth == 0
                    && let Some(ty) = pending.take()
                {
                    types.push(ty);
                    open = Some(types.len() - 1);
                }
                depth += 1;
                words.clear();
            }
            Token::Close => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    open = None;
                }
                words.clear();
            }
            Token::Semicolon => words.clear(),
            Token::Paren => {
                let is_main = depth == 1
                    && words.last() == Some(&"main")
                    && words.contains(&"static")
                    && words.contains(&"void");
                if let (true, Some(at)) = (is_main, open) {
                    types[at].has_main = true;
                }
                // A parenthesised list (parameters, annotation arguments)
                // is still part of the same declaration.
            }
            Token::Word(word) => {
                // `@interface` (an annotation type) is a type too.
                let declares = matches!(word, "class" | "interface" | "enum" | "record");
                if depth == 0
                    && declares
                    && pending.is_none()
                    && let Some(Token::Word(name)) = tokens.get(i + 1)
                {
                    pending = Some(TopLevelType {
                        name: (*name).to_string(),
                        public: words.contains(&"public"),
                        has_main: false,
                    });
                }
                words.push(word);
            }
            Token::At => {}
        }
    }
    types
}

/// The name of the source's public top-level type, if it has one.
pub fn public_type(source: &str) -> Option<String> {
    top_level_types(source)
        .into_iter()
        .find(|t| t.public)
        .map(|t| t.name)
}

/// The class `java` should run: the public top-level type with `main`, else
/// the first top-level type with `main`, else the public one, else the
/// first, else `Main`.
pub fn main_class(source: &str) -> String {
    let types = top_level_types(source);
    let pick = types
        .iter()
        .find(|t| t.public && t.has_main)
        .or_else(|| types.iter().find(|t| t.has_main))
        .or_else(|| types.iter().find(|t| t.public))
        .or_else(|| types.first());
    pick.map_or_else(|| "Main".to_string(), |t| t.name.clone())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Word(&'a str),
    Open,
    Close,
    Semicolon,
    Paren,
    At,
}

/// The tokens that matter for declarations; comments and literals are
/// skipped whole, other punctuation dropped.
fn tokens(source: &str) -> Vec<Token<'_>> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = find_from(bytes, i, b"\n").map_or(bytes.len(), |at| at + 1);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = find_from(bytes, i + 2, b"*/").map_or(bytes.len(), |at| at + 2);
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i = skip_quoted(bytes, i + 3, b"\"\"\"");
            }
            b'"' => i = skip_quoted(bytes, i + 1, b"\""),
            b'\'' => i = skip_quoted(bytes, i + 1, b"'"),
            b'{' | b'}' | b';' | b'(' | b'@' => {
                out.push(match b {
                    b'{' => Token::Open,
                    b'}' => Token::Close,
                    b';' => Token::Semicolon,
                    b'(' => Token::Paren,
                    _ => Token::At,
                });
                i += 1;
            }
            _ if is_word_byte(b) => {
                let start = i;
                while i < bytes.len() && is_word_byte(bytes[i]) {
                    i += 1;
                }
                out.push(Token::Word(&source[start..i]));
            }
            _ => i += 1,
        }
    }
    out
}

/// Identifier bytes: ASCII letters, digits, `_`, `$`, and every byte of a
/// non-ASCII character (Java identifiers may hold letters of any script).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The index just past the literal that ends with `close`, from `i` inside
/// it (a backslash escapes the next byte); the end of the source if it
/// never closes.
fn skip_quoted(bytes: &[u8], mut i: usize, close: &[u8]) -> usize {
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            i += 2;
        } else if bytes[i..].starts_with(close) {
            return i + close.len();
        } else if bytes[i] == b'\n' && close.len() == 1 {
            // An unterminated string or char literal ends at its line.
            return i;
        } else {
            i += 1;
        }
    }
    bytes.len()
}

fn find_from(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|at| at + from)
}

#[cfg(test)]
mod tests {
    use super::{main_class, public_type, top_level_types};

    #[test]
    fn a_word_class_in_a_comment_does_not_name_the_program() {
        // MultiPL-E's HumanEval_153 prompt: "the class and an ..." in a
        // comment before the class the tests' main is in.
        let source = "import java.util.*;\nclass Problem {\n    // You will be given the name of a class (a string) and a list of extensions.\n    // ... you should find the strongest extension and return a string in this\n    // format: ClassName.StrongestExtensionName. the class and an extension\n    public static String strongestExtension(String class_name, ArrayList<String> extensions) { return \"\"; }\n    public static void main(String[] args) {\n    assert(strongestExtension(\"Watashi\", new ArrayList<String>(Arrays.asList((String)\"tEN\"))).equals(\"Watashi.tEN\"));\n    }\n\n}\n";
        assert_eq!(main_class(source), "Problem");
        assert_eq!(public_type(source), None);
    }

    #[test]
    fn a_nested_class_is_not_the_main_class() {
        let source = "public class Solution {\n    static class Helper { int x; }\n    public static void main(String[] args) { new Helper(); }\n}\n";
        assert_eq!(main_class(source), "Solution");
        let source = "class Solution {\n    static class Helper { public static void main(String[] a) {} }\n    public static void main(String[] args) { new Helper(); }\n}\n";
        assert_eq!(main_class(source), "Solution");
    }

    #[test]
    fn strings_chars_and_text_blocks_are_skipped() {
        let source = "class A { String s = \"class B { public static void main(String[] a) {} }\"; char c = '{'; String t = \"\"\"\n  class C {\n  \"\"\"; }\npublic class D { public static void main(String... args) { System.out.println(\"}\"); } }\n";
        let types = top_level_types(source);
        let names: Vec<&str> = types.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["A", "D"]);
        assert_eq!(main_class(source), "D");
        assert_eq!(public_type(source).as_deref(), Some("D"));
    }

    #[test]
    fn main_is_found_in_a_non_public_class_beside_a_public_one() {
        let source = "public class Lib { static int f() { return 1; } }\nfinal class Runner {\n  @SuppressWarnings(\"unchecked\")\n  public static void main(final String[] args) throws Exception { Lib.f(); }\n}\n";
        assert_eq!(main_class(source), "Runner");
        assert_eq!(public_type(source).as_deref(), Some("Lib"));
    }

    #[test]
    fn annotations_generics_and_modifiers_before_the_class() {
        let source = "import java.util.function.*;\n@FunctionalInterface interface F { int g(); }\n/* public class Fake {} */\n@Deprecated\npublic final class Main<T extends Comparable<T>> implements F {\n  public int g() { return 0; }\n  static public void main(String[] args) {}\n}\n";
        assert_eq!(main_class(source), "Main");
        assert_eq!(public_type(source).as_deref(), Some("Main"));
    }

    #[test]
    fn no_class_at_all_runs_main() {
        assert_eq!(main_class("// nothing here\n"), "Main");
        assert_eq!(main_class("class Only { }"), "Only");
    }
}
