public import Foundation

/// Latin letters for text in other scripts, with ICU's transforms (Foundation's
/// `applyingTransform`). Used for category slugs and for feed names made by
/// `finews opml import`, so both read Chinese the same way.
public enum Transliteration {
    /// `text` transliterated with `transform`, then without diacritics:
    /// `漯河日报` → `luo he ri bao` with `.mandarinToLatin` (ICU's `Han-Latin`).
    /// Characters the transform does not cover are left as they are; when ICU
    /// cannot apply the transform at all, the text comes back unchanged.
    public static func latin(_ text: String, using transform: StringTransform) -> String {
        guard let latin = text.applyingTransform(transform, reverse: false) else { return text }
        return latin.applyingTransform(.stripDiacritics, reverse: false) ?? latin
    }
}
