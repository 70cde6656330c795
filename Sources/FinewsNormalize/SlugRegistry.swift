import Foundation
import FinewsParse

/// Which slug each outlet has, so that the same outlet always gets the same slug
/// and two outlets never share one by accident.
///
/// The rules, in order, for a text (an outlet's name, normalized with ``key(_:)``):
/// 1. A `[slugs]` override in feeds.conf wins, as written, and is stored. Two
///    outlets may be given the same slug on purpose. Removing the override later
///    keeps the stored slug, so the outlet's URLs stay where they are.
/// 2. Else the stored slug, if the text has one: it never changes.
/// 3. Else ``Slug/make(from:)``; when that slug is taken (ignoring case) by another
///    outlet, by an override, by a category page that already exists or by a
///    reserved name, the first free of `slug-2`, `slug-3`, ... First come, first
///    served: a cycle meets entries in a fixed order (feeds in configuration
///    order, entries in document order) and stores what it assigned.
///
/// An empty slug (a name of punctuation only) is returned empty and not stored.
public struct SlugRegistry: Sendable {
    private var assigned: [String: String]
    private let overrides: [String: String]
    /// Slugs in use, lowercased: two slugs that differ only in case would clash
    /// on a case-insensitive file system.
    private var taken: Set<String>
    /// Assignments made or changed since the registry was created, in order, for the state database.
    public private(set) var changes: [(text: String, slug: String)] = []
    /// ``key(_:)`` of each text met so far: a cycle meets the same few outlet
    /// names in every entry of a feed, and the key costs a Unicode normalization.
    private var keys: [String: String] = [:]

    /// Creates a registry.
    /// - Parameters:
    ///   - stored: the slugs stored by earlier cycles, by text.
    ///   - overrides: the `[slugs]` table, by text (keys normalized with ``key(_:)``).
    ///   - reserved: other names a new slug must not take: existing categories,
    ///     plain categories in feeds.conf, the fallback categories.
    public init(
        stored: [String: String], overrides: [String: String] = [:], reserved: some Sequence<String> = [String]()
    ) {
        assigned = stored
        self.overrides = overrides
        taken = Set(stored.values.map { $0.lowercased() })
        taken.formUnion(overrides.values.map { $0.lowercased() })
        taken.formUnion(reserved.map { $0.lowercased() })
    }

    /// The slug of `text` (see the rules above); empty when `text` has no letter or digit to keep.
    public mutating func slug(for text: String) -> String {
        let key = self.key(text)
        if let override = overrides[key] {
            if assigned[key] != override { record(key, override) }
            return override
        }
        if let stored = assigned[key] { return stored }
        let base = Slug.make(from: key)
        guard !base.isEmpty else { return "" }
        var candidate = base
        var number = 2
        while taken.contains(candidate.lowercased()) {
            candidate = Slug.suffixed(base, number)
            number += 1
        }
        record(key, candidate)
        return candidate
    }

    private mutating func record(_ key: String, _ slug: String) {
        assigned[key] = slug
        taken.insert(slug.lowercased())
        changes.append((key, slug))
    }

    /// ``key(_:)`` of `text`, remembered for the registry's lifetime. Strings that
    /// are equal in Swift (canonically equivalent) have the same key, so one
    /// remembered key serves them all.
    mutating func key(_ text: String) -> String {
        if let known = keys[text] { return known }
        let key = Self.key(text)
        keys[text] = key
        return key
    }

    /// The form in which an outlet's name is stored and matched against `[slugs]`:
    /// canonical composition (NFC), no control characters, runs of whitespace
    /// collapsed to one space, trimmed.
    public static func key(_ text: String) -> String {
        let visible = String(String.UnicodeScalarView(text.precomposedStringWithCanonicalMapping.unicodeScalars.filter {
            ($0.value >= 0x20 && !(0x7F...0x9F).contains($0.value)) || $0 == "\t" || $0 == "\n" || $0 == "\r"
        }))
        return HTMLText.collapseWhitespace(visible)
    }
}
