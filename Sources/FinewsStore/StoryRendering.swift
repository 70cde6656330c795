package import FinewsNormalize
import FinewsParse
package import Foundation

/// A candidate's post, filed and rendered, before anything decides whether it is written.
package struct RenderedCandidate: Sendable {
    package var post: Post
    /// The outlet the entry named, for its category page's title.
    package var outlet: String?
    package var path: String
    package var bytes: [UInt8]
    package var contentHash: String
}

extension PostRenderer {
    /// Files and renders `candidate` as the story `code`, the way ``Publisher`` does for
    /// a post written from the feed's own content: what a cluster node claims.
    package func render(
        _ candidate: StoryCandidate, as code: InfoCode, firstSeen: Date, now: Date, slugs: inout SlugRegistry
    ) -> RenderedCandidate {
        let filed = candidate.filing.filed(candidate.entry, feedTitle: candidate.feedTitle, slugs: &slugs)
        let post = candidate.normalizer.post(
            for: candidate.entry, infoCode: code, firstSeen: firstSeen, now: now, filedAs: filed.settings)
        let bytes = renderedBytes(post, extras: Extras(of: candidate.entry))
        return RenderedCandidate(
            post: post, outlet: filed.outlet, path: relativePath(for: post), bytes: bytes, contentHash: ContentHash.of(bytes))
    }
}
