public import Foundation

/// A story ready to be written: the post model of DESIGN.md §2.
public struct Post: Sendable, Hashable {
    /// The story's deduplication key; also the file name's stem.
    public var infoCode: InfoCode
    /// The title as plain text (never empty).
    public var title: String
    /// The date shown and used in the file name.
    public var date: Date
    /// The category slug (safe for a file name).
    public var category: String
    /// The tag, shown as the category page's title.
    public var tag: String
    /// The sanitized body HTML.
    public var body: String
    /// The story's link on the publisher's site, if any.
    public var link: String?
    /// The infoCode of the earlier story this one is a near-copy of, when
    /// `[dedupe] similar = "mark"` found one; written as `duplicate_of`.
    public var duplicateOf: InfoCode?

    /// Creates a post.
    public init(infoCode: InfoCode, title: String, date: Date, category: String, tag: String, body: String, link: String?) {
        self.infoCode = infoCode
        self.title = title
        self.date = date
        self.category = category
        self.tag = tag
        self.body = body
        self.link = link
    }
}
