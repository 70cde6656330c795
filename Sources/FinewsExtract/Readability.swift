import CLibXML2

extension HTMLDocument {
    /// The inner HTML of the block that reads most like the page's article, with
    /// scripts, forms, navigation and link lists inside it removed.
    ///
    /// A first pass leaves out elements whose class or id names mark page
    /// furniture (comments, sidebars, ...); when that finds no article, a second
    /// pass scores every element, as readability does.
    /// - Throws: ``ExtractionError`` (`.noArticle`) when no block holds enough text
    ///   outside links (``ReadabilityPolicy/minimumArticleCharacters``).
    func readableArticle() throws(ExtractionError) -> String {
        guard let root = xmlDocGetRootElement(document) else {
            throw ExtractionError(.noArticle, "no article block found: the page has no elements")
        }
        let body = Self.child(named: "body", of: root) ?? root
        for skippingFurniture in [true, false] {
            guard let best = Self.bestBlock(under: body, skippingFurniture: skippingFurniture) else { continue }
            Self.clean(best)
            return innerHTML(of: best)
        }
        throw ExtractionError(
            .noArticle,
            "no article block found: no part of the page has \(ReadabilityPolicy.minimumArticleCharacters) characters of paragraph text; give the feed an XPath rule for the article")
    }

    /// A block being scored, and its running score.
    private struct Candidate {
        var node: xmlNodePtr
        var score: Double
        var stats = TextStats()
    }

    /// An element on the walk's stack.
    private struct Frame {
        var node: xmlNodePtr
        var tag: String
        /// The next child to visit.
        var next: xmlNodePtr?
        /// The text of the whole subtree visited so far.
        var stats = TextStats()
        /// For a candidate block, the text it holds directly since the last block
        /// child or `<br>` (a paragraph written without `<p>`).
        var segment = TextStats()
        var isCandidate: Bool
    }

    /// Scores the blocks under `body` and returns the best one when it holds enough text.
    private static func bestBlock(under body: xmlNodePtr, skippingFurniture: Bool) -> xmlNodePtr? {
        var candidates: [Candidate] = []
        var index: [xmlNodePtr: Int] = [:]

        /// Adds `score` to the nearest candidate blocks, with the share each level
        /// gets: `own` first when given (a block scoring its own text), then the
        /// blocks on the stack from the top down.
        func credit(_ score: Double, own: Frame?, stack: [Frame]) {
            guard score > 0 else { return }
            var level = 0
            var pendingOwn = own
            var position = stack.count - 1
            while let share = ReadabilityPolicy.share(atLevel: level) {
                let frame: Frame
                if let own = pendingOwn {
                    frame = own
                    pendingOwn = nil
                } else if position >= 0 {
                    frame = stack[position]
                    position -= 1
                } else {
                    break
                }
                guard frame.isCandidate else { continue }
                let slot: Int
                if let existing = index[frame.node] {
                    slot = existing
                } else {
                    let initial = ReadabilityPolicy.initialScore(
                        tag: frame.tag, classNames: attribute("class", of: frame.node), id: attribute("id", of: frame.node))
                    slot = candidates.count
                    candidates.append(Candidate(node: frame.node, score: initial))
                    index[frame.node] = slot
                }
                candidates[slot].score += score * share
                level += 1
            }
        }

        var stack = [Frame(node: body, tag: name(of: body), next: body.pointee.children, isCandidate: true)]
        while !stack.isEmpty {
            let top = stack.count - 1
            if let child = stack[top].next {
                stack[top].next = child.pointee.next
                switch child.pointee.type {
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    guard let content = child.pointee.content else { continue }
                    let stats = TextStats(utf8: content)
                    stack[top].stats += stats
                    stack[top].segment += stats
                case XML_ELEMENT_NODE:
                    let tag = name(of: child)
                    if ReadabilityPolicy.ignoredTags.contains(tag) { continue }
                    if skippingFurniture, ReadabilityPolicy.furnitureTags.contains(tag)
                        || ReadabilityPolicy.isUnlikely(classNames: attribute("class", of: child), id: attribute("id", of: child)) {
                        continue
                    }
                    if ReadabilityPolicy.blockTags.contains(tag), stack[top].isCandidate {
                        // The text so far is one paragraph of this block.
                        credit(ReadabilityPolicy.paragraphScore(stack[top].segment), own: nil, stack: stack)
                        stack[top].segment = TextStats()
                    }
                    stack.append(Frame(
                        node: child, tag: tag, next: child.pointee.children,
                        isCandidate: ReadabilityPolicy.candidateTags.contains(tag)))
                default:
                    continue
                }
                continue
            }

            // All children visited.
            var frame = stack.removeLast()
            if frame.tag == "a" { frame.stats.linkCharacters = frame.stats.characters }
            if frame.isCandidate {
                credit(ReadabilityPolicy.paragraphScore(frame.segment), own: frame, stack: stack)
                if let slot = index[frame.node] { candidates[slot].stats = frame.stats }
            } else if frame.tag == "p" || frame.tag == "pre" {
                credit(ReadabilityPolicy.paragraphScore(frame.stats), own: nil, stack: stack)
            }
            guard !stack.isEmpty else { break }
            let parent = stack.count - 1
            stack[parent].stats += frame.stats
            if !ReadabilityPolicy.blockTags.contains(frame.tag) {
                stack[parent].segment += frame.stats
            }
        }

        var best: Candidate?
        var bestScore = 0.0
        for candidate in candidates {
            let score = candidate.score * (1 - candidate.stats.linkDensity)
            if score > bestScore {
                best = candidate
                bestScore = score
            }
        }
        guard let best,
              best.stats.characters - best.stats.linkCharacters >= ReadabilityPolicy.minimumArticleCharacters
        else { return nil }
        return best.node
    }

    /// Removes from the chosen block what is not article: page machinery
    /// (scripts, forms, navigation), comments, and containers marked as furniture
    /// or made of links (share bars, "related" lists).
    private static func clean(_ block: xmlNodePtr) {
        let stats = subtreeStats(of: block)
        var removed: [xmlNodePtr] = []
        var pending: [xmlNodePtr] = []
        var child = block.pointee.children
        while let current = child {
            pending.append(current)
            child = current.pointee.next
        }
        pending.reverse()
        while let node = pending.popLast() {
            switch node.pointee.type {
            case XML_COMMENT_NODE:
                removed.append(node)
                continue
            case XML_ELEMENT_NODE:
                let tag = name(of: node)
                let nodeStats = stats[node] ?? TextStats()
                if ReadabilityPolicy.removedTags.contains(tag) || isClutter(node, tag: tag, stats: nodeStats) {
                    removed.append(node)
                    continue
                }
            default:
                continue
            }
            var children: [xmlNodePtr] = []
            var next = node.pointee.children
            while let current = next {
                children.append(current)
                next = current.pointee.next
            }
            pending.append(contentsOf: children.reversed())
        }
        for node in removed {
            xmlUnlinkNode(node)
            xmlFreeNode(node)
        }
    }

    /// Whether an element inside the article is furniture: a form, a container
    /// marked by its class or id, or a container of links, with little text of its own.
    private static func isClutter(_ node: xmlNodePtr, tag: String, stats: TextStats) -> Bool {
        let containers: Set<String> = ["div", "section", "ul", "ol", "table", "form", "dl", "header"]
        guard containers.contains(tag) else { return false }
        if tag == "form", stats.characters < ReadabilityPolicy.minimumArticleCharacters { return true }
        let weight = ReadabilityPolicy.weight(of: attribute("class", of: node)) + ReadabilityPolicy.weight(of: attribute("id", of: node))
        if weight < 0, stats.characters < 100 || stats.linkDensity > 0.3 { return true }
        return stats.characters > 0 && stats.linkDensity > 0.5 && stats.characters < ReadabilityPolicy.minimumArticleCharacters
    }

    /// The text counts of every element under `root` (itself included), found in
    /// one walk with an explicit stack.
    private static func subtreeStats(of root: xmlNodePtr) -> [xmlNodePtr: TextStats] {
        var result: [xmlNodePtr: TextStats] = [:]
        var stack: [(node: xmlNodePtr, next: xmlNodePtr?, stats: TextStats)] = [(root, root.pointee.children, TextStats())]
        while !stack.isEmpty {
            let top = stack.count - 1
            if let child = stack[top].next {
                stack[top].next = child.pointee.next
                switch child.pointee.type {
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    if let content = child.pointee.content { stack[top].stats += TextStats(utf8: content) }
                case XML_ELEMENT_NODE:
                    if ReadabilityPolicy.ignoredTags.contains(name(of: child)) { continue }
                    stack.append((child, child.pointee.children, TextStats()))
                default:
                    continue
                }
                continue
            }
            var entry = stack.removeLast()
            if name(of: entry.node) == "a" { entry.stats.linkCharacters = entry.stats.characters }
            result[entry.node] = entry.stats
            if !stack.isEmpty { stack[stack.count - 1].stats += entry.stats }
        }
        return result
    }

    /// The first child element of `node` called `tag`.
    private static func child(named tag: String, of node: xmlNodePtr) -> xmlNodePtr? {
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE, name(of: current) == tag { return current }
            child = current.pointee.next
        }
        return nil
    }
}
