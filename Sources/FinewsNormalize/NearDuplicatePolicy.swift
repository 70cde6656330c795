/// What `[dedupe]` in feeds.conf asks for: whether a story that another outlet
/// already published in other words (a syndicated copy) is written, and how alike
/// two stories must be to count as one.
public struct NearDuplicatePolicy: Sendable, Hashable {
    /// What happens to a near-copy of a story written earlier.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// Stories are compared by their keys only (the default).
        case off
        /// A near-copy is not written; its keys become aliases of the first story.
        case skip
        /// A near-copy is written with `duplicate_of: <infoCode>` in its front matter.
        case mark
    }

    /// `similar`.
    public var mode: Mode
    /// `window`: stories first seen this many seconds before are compared.
    public var window: Int
    /// `threshold`: the estimated Jaccard similarity at which two stories are one, 0...1.
    public var threshold: Double

    /// The default: off, a window of three days, a threshold of 0.85.
    public init(mode: Mode = .off, window: Int = 3 * 86_400, threshold: Double = 0.85) {
        self.mode = mode
        self.window = window
        self.threshold = threshold
    }

    /// Whether stories are compared by their text at all.
    public var isOn: Bool { mode != .off }
}
