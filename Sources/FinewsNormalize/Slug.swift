import Foundation

/// The `|slug` filter of category and tag templates: text made safe for a file
/// name and a URL, readable for Chinese outlets (`21世纪经济报道` →
/// `21shijijingjibaodao`).
public enum Slug {
    /// The longest slug, suffix included. A category page is `category/<slug>.html`,
    /// well below any file system's name limit.
    public static let maximumLength = 64

    /// The slug of `text`: Han characters become toneless pinyin syllables with no
    /// separators (ICU's `Han-Latin`, then diacritics stripped), ASCII letters and
    /// digits stay as they are (case kept: `Wind资讯` → `Windzixun`), everything
    /// else is dropped; cut to ``maximumLength``. Full-width forms count as their
    /// ASCII letters and digits (`Ｗｉｎｄ１２` → `Wind12`).
    ///
    /// Empty when nothing is left (an outlet named only in punctuation); callers
    /// then fall back to the feed's own category.
    public static func make(from text: String) -> String {
        let compatible = text.precomposedStringWithCompatibilityMapping
        let needsTransform = compatible.unicodeScalars.contains { !$0.isASCII }
        let latin = needsTransform ? Transliteration.latin(compatible, using: .mandarinToLatin) : compatible
        var slug = ""
        for scalar in latin.unicodeScalars where isSlugScalar(scalar) {
            slug.unicodeScalars.append(scalar)
            if slug.utf8.count == maximumLength { break }
        }
        return slug
    }

    /// Whether `text` could be a slug or a user's override of one: 1 to
    /// ``maximumLength`` ASCII letters, digits, `_` and `-`.
    public static func isValidOverride(_ text: String) -> Bool {
        (1...maximumLength).contains(text.utf8.count)
            && text.unicodeScalars.allSatisfy { isSlugScalar($0) || $0 == "_" || $0 == "-" }
    }

    /// `base` with the collision suffix `-number`, the base cut so that the whole
    /// stays within ``maximumLength``.
    static func suffixed(_ base: String, _ number: Int) -> String {
        let suffix = "-\(number)"
        return String(base.prefix(maximumLength - suffix.count)) + suffix
    }

    private static func isSlugScalar(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
