import Synchronization

/// What two projects have in common, and how much: the basis of P8-DUPLICATION and
/// P8-THRESHOLD-SPLIT. Plain values in, plain values out.
/// Immutable and shared: the index holds one per open project and passes references, so
/// comparing a project with its alike neighbours copies nothing. Names and words are kept as
/// sorted numbers of the shared `SimilarityVocabulary`: comparing two fingerprints merges two
/// integer arrays, and a word a whole portfolio uses is stored once.
public final class ProjectFingerprint: Sendable {
    public let id: Int64
    public let agency: String
    public let title: String
    /// What the rules compare of alike projects (see `ProjectFacts`).
    public let facts: ProjectFacts
    /// Normalised names of the systems and datasets it builds or replaces, and the distinctive
    /// words of its title and description, by vocabulary number, ascending.
    let systemNumbers: [UInt32]
    let datasetNumbers: [UInt32]
    let wordNumbers: [UInt32]
    /// Its agency's level of government (which thresholds apply to a split).
    public let level: GovernmentLevel

    public init(id: Int64, agency: String, record: ProjectRecord, level: GovernmentLevel, draft: Bool) {
        self.id = id
        self.agency = agency
        self.level = level
        self.title = record.title
        let vocabulary = SimilarityVocabulary.shared
        let numbers = vocabulary.numbers([
            record.systems.map(Similarity.normalise), record.datasets.map(Similarity.normalise),
            Similarity.words(record.title + " " + (record.description ?? "")), [agency],
        ])
        (systemNumbers, datasetNumbers, wordNumbers) = (numbers[0], numbers[1], numbers[2])
        facts = ProjectFacts(cost: record.wholeLifeCost, start: record.startDate, end: record.forecastEnd, agency: numbers[3][0], draft: draft)
    }

    public var cost: Money { facts.cost }
    /// Whether it is still a draft (named to nobody but its own agency).
    public var draft: Bool { facts.draft }

    public var systems: Set<String> { Set(SimilarityVocabulary.shared.names(systemNumbers)) }
    public var datasets: Set<String> { Set(SimilarityVocabulary.shared.names(datasetNumbers)) }
    public var words: Set<String> { Set(SimilarityVocabulary.shared.names(wordNumbers)) }
}

/// What the duplication and split rules compare of two alike projects: their agency, cost,
/// time and draft state. The index keeps each project's in a plain array beside its
/// fingerprint, since the rules look at every neighbour of every project (millions at 100,000
/// projects) and read these without touching, or retaining, each neighbour's fingerprint.
public struct ProjectFacts: Sendable, Equatable, Hashable {
    public let cost: Money
    /// Days since 1970 (a missing start as the earliest day).
    let startDay: Int32
    let endDay: Int32
    /// The agency code by vocabulary number.
    let agency: UInt32
    public let draft: Bool

    init(cost: Money, start: LocalDate?, end: LocalDate, agency: UInt32, draft: Bool) {
        self.cost = cost
        self.startDay = start.map { Int32(clamping: $0.daysSinceEpoch) } ?? Int32.min
        self.endDay = Int32(clamping: end.daysSinceEpoch)
        self.agency = agency
        self.draft = draft
    }

    func sameAgency(_ other: ProjectFacts) -> Bool { agency == other.agency }

    /// Whether the two run at the same time (a missing start counts from the beginning).
    func overlaps(_ other: ProjectFacts) -> Bool {
        startDay <= other.endDay && other.startDay <= endDay
    }
}

/// Every normalised name and word any fingerprint has held, each once, by number. Numbers are
/// never reused or forgotten, so the table grows with the portfolio's vocabulary, not with its
/// writes; one table serves the live index and the indexes of past days alike.
final class SimilarityVocabulary: Sendable {
    static let shared = SimilarityVocabulary()

    private struct Table {
        var numbers: [String: UInt32] = [:]
        var names: [String] = []
    }
    private let table = Mutex(Table())

    /// Each group's names as sorted, distinct numbers, under one lock.
    func numbers(_ groups: [[String]]) -> [[UInt32]] {
        table.withLock { table in
            groups.map { names in
                var numbers = names.map { name -> UInt32 in
                    if let number = table.numbers[name] { return number }
                    let number = UInt32(table.names.count)
                    table.names.append(name)
                    table.numbers[name] = number
                    return number
                }
                numbers.sort()
                return Similarity.distinct(numbers)
            }
        }
    }

    func names(_ numbers: [UInt32]) -> [String] {
        table.withLock { table in numbers.map { table.names[Int($0)] } }
    }
}

public struct SimilarProjects: Sendable, Equatable {
    public var first: Int64
    public var second: Int64
    /// 0–100.
    public var score: Int
    public var sharedSystems: [String]
    public var sharedDatasets: [String]
    public var sharedWords: [String]

    /// In words, for the finding: why the two look alike.
    public var explanation: String {
        var parts: [String] = []
        if !sharedSystems.isEmpty { parts.append("the same system\(sharedSystems.count == 1 ? "" : "s") (\(sharedSystems.joined(separator: ", ")))") }
        if !sharedDatasets.isEmpty { parts.append("the same dataset\(sharedDatasets.count == 1 ? "" : "s") (\(sharedDatasets.joined(separator: ", ")))") }
        if !sharedWords.isEmpty { parts.append("title and description words in common (\(sharedWords.prefix(6).joined(separator: ", ")))") }
        return "similarity \(score)/100: " + parts.joined(separator: "; ")
    }
}

public enum Similarity {
    /// Pairs scoring at or above this are reported.
    public static let reportingScore = 50

    static let stopWords: Set<String> = [
        "the", "and", "for", "of", "to", "in", "a", "an", "on", "with", "by", "new", "system", "systems", "project", "programme",
        "program", "platform", "service", "services", "digital", "national", "ict", "it", "phase", "from", "its", "their", "replace",
        "replaces", "replacement", "modernisation", "modernization", "implementation", "upgrade", "de", "het", "van", "en",
    ]

    public static func normalise(_ name: String) -> String {
        tokens(name).joined(separator: " ")
    }

    /// The distinctive words of a text, each once.
    static func words(_ text: String) -> [String] {
        distinct(tokens(text).filter { $0.count > 2 && !stopWords.contains($0) }.sorted())
    }

    /// The text lowercased and cut at everything that is not a letter or a digit. Names and
    /// titles are nearly always ASCII, which is cut byte by byte; the Unicode-aware cut, which
    /// gives the same for ASCII, is kept for the rest.
    static func tokens(_ text: String) -> [String] {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else {
            return text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        }
        var tokens: [String] = []
        var current: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): current.append(byte + 32)
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): current.append(byte)
            default:
                if !current.isEmpty { tokens.append(String(decoding: current, as: UTF8.self)) }
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { tokens.append(String(decoding: current, as: UTF8.self)) }
        return tokens
    }

    /// A sorted array without its repeats.
    static func distinct<T: Equatable>(_ sorted: [T]) -> [T] {
        var result: [T] = []
        result.reserveCapacity(sorted.count)
        for item in sorted where result.last != item { result.append(item) }
        return result
    }

    /// How many numbers two ascending arrays share.
    static func sharedCount(_ x: [UInt32], _ y: [UInt32]) -> Int {
        var i = 0, j = 0, count = 0
        while i < x.count && j < y.count {
            if x[i] == y[j] { count += 1; i += 1; j += 1 } else if x[i] < y[j] { i += 1 } else { j += 1 }
        }
        return count
    }

    /// The numbers two ascending arrays share, as names in alphabetical order.
    static func sharedNames(_ x: [UInt32], _ y: [UInt32]) -> [String] {
        let common = Set(x).intersection(y)
        return common.isEmpty ? [] : SimilarityVocabulary.shared.names(Array(common)).sorted()
    }

    /// Weighted overlap: shared systems and datasets weigh most (the same system built twice),
    /// shared words support them.
    public static func compare(_ a: ProjectFingerprint, _ b: ProjectFingerprint) -> SimilarProjects {
        SimilarProjects(first: min(a.id, b.id), second: max(a.id, b.id), score: score(a, b),
                        sharedSystems: sharedNames(a.systemNumbers, b.systemNumbers), sharedDatasets: sharedNames(a.datasetNumbers, b.datasetNumbers),
                        sharedWords: sharedNames(a.wordNumbers, b.wordNumbers))
    }

    /// The score of `compare` alone, without building what the two share: the index asks this
    /// of every candidate pair, and most are not reported.
    public static func score(_ a: ProjectFingerprint, _ b: ProjectFingerprint) -> Int {
        func jaccard(_ x: [UInt32], _ y: [UInt32]) -> Double {
            let common = sharedCount(x, y), union = x.count + y.count - common
            return union == 0 ? 0 : Double(common) / Double(union)
        }
        var score = 0.0, weight = 0.0
        if !a.systemNumbers.isEmpty || !b.systemNumbers.isEmpty { score += 0.4 * jaccard(a.systemNumbers, b.systemNumbers); weight += 0.4 }
        if !a.datasetNumbers.isEmpty || !b.datasetNumbers.isEmpty { score += 0.3 * jaccard(a.datasetNumbers, b.datasetNumbers); weight += 0.3 }
        // Words by the smaller set, so a short title fully inside a long description counts.
        let smaller = min(a.wordNumbers.count, b.wordNumbers.count)
        let wordScore = smaller == 0 ? 0 : Double(sharedCount(a.wordNumbers, b.wordNumbers)) / Double(smaller)
        score += 0.3 * wordScore
        weight += 0.3
        return Int((score / weight * 100).rounded())
    }

    /// The keys a project is found by in the index: its systems, datasets and words.
    /// A key is the kind (system, dataset, word) in the high bits and the vocabulary number below.
    static func indexKeys(_ project: ProjectFingerprint) -> [UInt64] {
        project.systemNumbers.map { 1 << 32 | UInt64($0) } + project.datasetNumbers.map { 2 << 32 | UInt64($0) }
            + project.wordNumbers.map { 3 << 32 | UInt64($0) }
    }

    /// Keys held by more projects than this are noise (a word everyone uses), not evidence.
    static func noiseLimit(projects: Int) -> Int { max(50, projects / 100) }

    /// Whether two alike projects matter to the rules: across agencies (duplication), or within
    /// one agency at the same time (a possible split).
    static func relevant(_ a: ProjectFingerprint, _ b: ProjectFingerprint) -> Bool {
        !a.facts.sameAgency(b.facts) || a.facts.overlaps(b.facts)
    }

    /// P8-DUPLICATION: alike projects of different agencies, most alike first.
    public static func duplicates(_ projects: [ProjectFingerprint]) -> [SimilarProjects] {
        let index = Index(projects)
        return index.pairs.compactMap { a, b -> SimilarProjects? in
            guard let first = index.fingerprint(a), let second = index.fingerprint(b), !first.facts.sameAgency(second.facts) else { return nil }
            return compare(first, second)
        }.sorted { ($0.score, $1.first, $1.second) > ($1.score, $0.first, $0.second) }
    }

    /// P8-THRESHOLD-SPLIT for one project: it and the projects of its agency that look like it
    /// and run at the same time, each under the threshold, when together they reach it. The
    /// group is the project's own neighbourhood, not a chain of likenesses, so each project
    /// named is alike to the one the finding is on.
    public static func split(of project: ProjectFingerprint, alike: [ProjectFingerprint], threshold: Money) -> [Int64]? {
        splitPartners(of: project.facts, alike: alike, facts: \.facts, threshold: threshold).map { ([project.id] + $0.partners.map(\.id)).sorted() }
    }

    /// The projects of `alike` that make a split group with `project`, in their order, and what
    /// the group costs; nil when there is no split. `facts` gives each one's facts: the
    /// fingerprint's here, the index's own array in the registry.
    static func splitPartners<Alike: Sequence>(of project: ProjectFacts, alike: Alike, facts: (Alike.Element) -> ProjectFacts,
                                               threshold: Money) -> (partners: [Alike.Element], total: Money)? {
        guard project.cost < threshold else { return nil }
        var total = project.cost
        let partners = alike.filter { other in
            let other = facts(other)
            guard other.sameAgency(project) && other.cost < threshold && other.overlaps(project) else { return false }
            total = total + other.cost
            return true
        }
        return !partners.isEmpty && total >= threshold ? (partners, total) : nil
    }

    /// Every distinct split group among `projects` (see `split(of:alike:threshold:)`).
    public static func thresholdSplits(_ projects: [ProjectFingerprint], threshold: Money) -> [[Int64]] {
        let index = Index(projects)
        var groups = Set<[Int64]>()
        for project in projects {
            let alike = index.neighbours(of: project.id).compactMap { index.fingerprint($0) }
            if let group = split(of: project, alike: alike, threshold: threshold) { groups.insert(group) }
        }
        return groups.sorted { $0.lexicographicallyPrecedes($1) }
    }
}

/// Project ids as the similarity index keeps them: ascending, 32 bits each, and shared rather
/// than copied (a project's entry in the projection and a split finding hold the index's own list).
public struct ProjectIDs: RandomAccessCollection, Sendable, Equatable, ExpressibleByArrayLiteral {
    let numbers: [UInt32]

    init(numbers: [UInt32]) { self.numbers = numbers }

    /// `ids`, ascending.
    public init(_ ids: some Sequence<Int64>) { numbers = ids.map(ProjectIDs.number) }

    public init(arrayLiteral ids: Int64...) { self.init(ids) }

    public var startIndex: Int { numbers.startIndex }
    public var endIndex: Int { numbers.endIndex }
    public subscript(position: Int) -> Int64 { Int64(numbers[position]) }

    /// A registry's ids are row ids counted from 1: four billion projects are beyond any portfolio.
    static func number(_ id: Int64) -> UInt32 {
        precondition(id >= 0 && id <= Int64(UInt32.max), "project id \(id) out of the similarity index's range")
        return UInt32(id)
    }
}

extension Similarity {
    /// The projects found alike through an index of their systems, datasets and words, kept as
    /// each project's neighbours. Candidates are the projects sharing a telling key (keys held by
    /// very many projects are noise), so the work grows with the likenesses, not with the square
    /// of the portfolio; a project can be taken out and put back when it changes. Plain values:
    /// the registry's `SimilarityIndex` keeps one up to date, the functions above build one.
    ///
    /// Projects are kept at their id in arrays, not in hash tables: a registry's ids are row ids,
    /// small and dense, so an array costs 8 bytes a project where a table cost about 40, and the
    /// comparisons, which look up millions of neighbours, index instead of hashing.
    public struct Index: Sendable {
        /// The projects indexed, each at its id; nil where no indexed project has that id.
        private var slots: [ProjectFingerprint?] = []
        /// Each indexed project's facts, at its id like `slots` (what is at an id with no
        /// project is never read: only indexed ids are anyone's neighbours).
        private var facts: [ProjectFacts] = []
        /// Every alike, relevant pair, under both of its projects (at its id, like `slots`), in
        /// ascending order. Only the ids are kept: what the two share is worked out again when a
        /// finding needs it, which keeps a portfolio with many likenesses small in memory.
        private var alike: [[UInt32]] = []
        /// The projects holding each key (see `indexKeys`).
        private var postings: [UInt64: [UInt32]] = [:]
        /// How many projects are indexed.
        public private(set) var count = 0

        public init() {}

        /// `projects` indexed and linked, each pair compared once.
        public init(_ projects: [ProjectFingerprint]) {
            insert(contentsOf: projects)
            linkAll()
        }

        public func fingerprint(_ id: Int64) -> ProjectFingerprint? {
            id >= 0 && id < slots.count ? slots[Int(id)] : nil
        }

        /// The facts of an indexed project, by its number in a neighbour list.
        func facts(_ number: UInt32) -> ProjectFacts { facts[Int(number)] }

        /// Links every indexed project, each pair compared once; the lists are then cut to their
        /// length: grown by appending, each held up to twice the room it needed.
        public mutating func linkAll() {
            link(slots.indices.filter { slots[$0] != nil }.map(Int64.init), onlyAbove: true)
            for id in alike.indices where alike[id].capacity > alike[id].count {
                alike[id] = alike[id].withUnsafeBufferPointer { Array($0) }
            }
        }

        /// Links `ids`, already inserted, with every project sharing a telling key with them.
        public mutating func link(_ ids: [Int64]) {
            link(ids, onlyAbove: false)
        }

        /// The comparisons (which only read the fingerprints and postings, never changed here)
        /// shared among the machine's cores when there are many, then the links made in the
        /// order of `ids`. `onlyAbove` skips lower ids: linking every project in ascending order
        /// so compares each pair once and only ever appends to the neighbour lists.
        private mutating func link(_ ids: [Int64], onlyAbove: Bool) {
            let (slots, postings, count) = (self.slots, self.postings, self.count)
            let size = 2_000
            Batches.run(ids, size: size, onEveryCore: ids.count > size, assess: { ids throws(Never) in
                ids.map { id in (ProjectIDs.number(id), Self.alike(to: id, onlyAbove: onlyAbove, slots: slots, postings: postings, count: count)) }
            }, take: { found throws(Never) in
                for (id, others) in found {
                    for other in others {
                        Self.insert(other, into: &alike[Int(id)])
                        Self.insert(id, into: &alike[Int(other)])
                    }
                }
            })
        }

        /// The projects alike to `id`, in whatever agency, in ascending order.
        public func neighbours(of id: Int64) -> ProjectIDs {
            ProjectIDs(numbers: id >= 0 && id < alike.count ? alike[Int(id)] : [])
        }

        /// Every alike pair once, the lower id first.
        public var pairs: [(Int64, Int64)] {
            alike.indices.flatMap { id in alike[id].filter { id < $0 }.map { (Int64(id), Int64($0)) } }
        }

        /// Takes a project out, with every likeness it had.
        public mutating func remove(_ id: Int64) {
            guard fingerprint(id) != nil else { return }
            remove(CollectionOfOne(id))
        }

        /// Takes projects out, with every likeness they had: each list they were in is filtered
        /// once, however many of them it held (a past day derived from the live index takes out
        /// every project changed since, thousands at a time).
        public mutating func remove(_ ids: some Sequence<Int64>) {
            var gone = IDSet(capacity: slots.count), goneCount = 0
            var keys = Set<UInt64>()
            for id in ids {
                guard let old = fingerprint(id), !gone.contains(ProjectIDs.number(id)) else { continue }
                gone.insert(ProjectIDs.number(id))
                goneCount += 1
                keys.formUnion(indexKeys(old))
            }
            guard goneCount > 0 else { return }
            for key in keys {
                postings[key]!.removeAll(where: gone.contains)
                if postings[key]!.isEmpty { postings[key] = nil }
            }
            var touched = IDSet(capacity: slots.count)
            for id in gone {
                for other in alike[Int(id)] where !gone.contains(other) { touched.insert(other) }
                alike[Int(id)] = []
                slots[Int(id)] = nil
            }
            count -= goneCount
            for other in touched { alike[Int(other)].removeAll(where: gone.contains) }
        }

        /// Takes `ids` out and puts `fingerprints` (of some of them, as they are now) in, linked:
        /// a project changed, or closed (no fingerprint), or new.
        public mutating func replace(_ ids: some Collection<Int64>, with fingerprints: [ProjectFingerprint]) {
            remove(ids)
            insert(contentsOf: fingerprints)
            link(fingerprints.map(\.id))
        }

        /// Gives this copy tables of its own now, so that the index it was copied from, changed
        /// next, does not copy every table for it; neighbour lists stay shared until one side
        /// changes one.
        public mutating func makeUnique() {
            slots = slots.withUnsafeBufferPointer { Array($0) }
            facts = facts.withUnsafeBufferPointer { Array($0) }
            alike = alike.withUnsafeBufferPointer { Array($0) }
            postings.reserveCapacity(postings.count + 1)
        }

        /// Puts projects in the index (see `insert`). A build grows the tables by id once, to the
        /// largest id exactly: grown one id at a time, each could hold up to twice the room. A
        /// write's few new projects grow them by an eighth when full, not to the exact size,
        /// which would copy every table on every write.
        public mutating func insert(contentsOf projects: [ProjectFingerprint]) {
            guard let largest = projects.map(\.id).max() else { return }
            let needed = Int(ProjectIDs.number(largest)) + 1
            if needed > slots.capacity {
                let capacity = slots.isEmpty ? needed : max(needed, slots.count + slots.count / 8)
                slots.reserveCapacity(capacity)
                facts.reserveCapacity(capacity)
                alike.reserveCapacity(capacity)
            }
            for project in projects { insert(project) }
        }

        /// Puts a project in the index (in place of any it held under that id); `link` then
        /// finds what it is alike to.
        public mutating func insert(_ project: ProjectFingerprint) {
            let number = ProjectIDs.number(project.id)
            if Int(number) >= slots.count {
                let more = Int(number) + 1 - slots.count
                slots.append(contentsOf: repeatElement(nil, count: more))
                facts.append(contentsOf: repeatElement(project.facts, count: more))
                alike.append(contentsOf: repeatElement([], count: more))
            }
            remove(project.id)
            slots[Int(number)] = project
            facts[Int(number)] = project.facts
            count += 1
            for key in indexKeys(project) { postings[key, default: []].append(number) }
        }

        /// The projects sharing a telling key with `id` that are alike to it and relevant, in
        /// ascending order; `onlyAbove`, only those of higher ids.
        private static func alike(to id: Int64, onlyAbove: Bool, slots: [ProjectFingerprint?], postings: [UInt64: [UInt32]], count: Int) -> [UInt32] {
            guard id >= 0 && id < slots.count, let project = slots[Int(id)] else { return [] }
            let noise = noiseLimit(projects: count)
            var candidates: [UInt32] = []
            for key in indexKeys(project) {
                guard let holders = postings[key], holders.count > 1, holders.count <= noise else { continue }
                candidates.append(contentsOf: holders)
            }
            candidates.sort()
            var alike: [UInt32] = []
            var previous: UInt32?
            for other in candidates where other != previous {
                previous = other
                guard Int64(other) != id, !onlyAbove || Int64(other) > id, let fingerprint = slots[Int(other)],
                      relevant(project, fingerprint), score(project, fingerprint) >= reportingScore else { continue }
                alike.append(other)
            }
            return alike
        }

        private static func insert(_ id: UInt32, into sorted: inout [UInt32]) {
            if let last = sorted.last, last >= id {
                let position = firstPosition(notBelow: id, in: sorted)
                if sorted[position] != id { sorted.insert(id, at: position) }
            } else {
                sorted.append(id)
            }
        }

        /// Binary search: where `id` is or would go in `sorted`.
        private static func firstPosition(notBelow id: UInt32, in sorted: [UInt32]) -> Int {
            var low = 0, high = sorted.count
            while low < high {
                let middle = (low + high) / 2
                if sorted[middle] < id { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }
}

/// A set of index numbers as one bit each: the bulk removal marks and tests hundreds of
/// thousands of them, which a hash set would hash one by one.
struct IDSet: Sequence {
    private var words: [UInt64]

    init(capacity: Int) { words = Array(repeating: 0, count: (capacity + 63) / 64) }

    mutating func insert(_ id: UInt32) { words[Int(id >> 6)] |= 1 << UInt64(id & 63) }

    func contains(_ id: UInt32) -> Bool {
        Int(id >> 6) < words.count && words[Int(id >> 6)] & (1 << UInt64(id & 63)) != 0
    }

    /// The numbers in ascending order.
    func makeIterator() -> Iterator { Iterator(words: words) }

    struct Iterator: IteratorProtocol {
        let words: [UInt64]
        var index = 0
        var word: UInt64 = 0

        init(words: [UInt64]) {
            self.words = words
            word = words.first ?? 0
        }

        mutating func next() -> UInt32? {
            while word == 0 {
                index += 1
                guard index < words.count else { return nil }
                word = words[index]
            }
            let bit = word.trailingZeroBitCount
            word &= word - 1
            return UInt32(index * 64 + bit)
        }
    }
}
