@testable import FinewsNormalize
import Foundation
import Testing

@Suite("Unicode whitespace trimming")
struct UnicodeWhitespaceTests {
    @Test("The sets are Foundation's, for every scalar", arguments: [false, true])
    func sameSets(newlines: Bool) {
        let foundation: CharacterSet = newlines ? .whitespacesAndNewlines : .whitespaces
        var differing: [UInt32] = []
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            if UnicodeWhitespace.contains(scalar, newlines: newlines) != foundation.contains(scalar) {
                differing.append(value)
            }
        }
        #expect(differing.isEmpty)
    }

    @Test("Trimming gives what trimmingCharacters(in:) gives", arguments: [
        "", " ", "\n\t ", "a", " a ", "\u{3000}新闻\u{3000}", "\u{A0}\u{85}x\u{2028}\u{2029}",
        "\u{200B}\u{FEFF}x\u{FEFF}\u{200B}", "\u{1680}\u{2000}\u{200A}\u{202F}\u{205F}y\u{205F}",
        "x\u{2030}", "\u{E9}\u{E9}", "\u{1F600} \u{1F600}", " \u{301}x", "<p>段落</p>\n\n", "\r\n\u{0B}\u{0C}z\u{0D}",
        "\u{2027}\u{202A}\u{3001}", "é\u{A0}", "中\u{85}",
    ])
    func sameAsFoundation(text: String) {
        #expect(UnicodeWhitespace.trimmed(text, newlines: true) == text.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(UnicodeWhitespace.trimmed(text, newlines: false) == text.trimmingCharacters(in: .whitespaces))
    }

    @Test("Random mixes of spaces, newlines and text trim as Foundation does")
    func randomMixes() {
        let pieces = ["", " ", "\n", "\t", "\u{3000}", "\u{A0}", "\u{85}", "\u{2028}", "\u{200B}", "a", "新",
                      "\u{1F600}", "\u{E9}", "\u{2030}", "\u{C2}", "\u{1680}", "\u{205F}", "\u{FEFF}"]
        var generator = SplitMix(seed: 8)
        for _ in 0..<5_000 {
            let count = Int(generator.next() % 7)
            let text = (0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
            #expect(UnicodeWhitespace.trimmed(text, newlines: true) == text.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(UnicodeWhitespace.trimmed(text, newlines: false) == text.trimmingCharacters(in: .whitespaces))
        }
    }
}

/// A small deterministic generator, so that a failure repeats.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
