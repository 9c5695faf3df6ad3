/// What two projects have in common, and how much: the basis of P8-DUPLICATION and
/// P8-THRESHOLD-SPLIT. Plain values in, plain values out.
/// Immutable and shared: the index holds one per open project and passes references, so
/// comparing a project with its alike neighbours copies nothing.
public final class ProjectFingerprint: Sendable {
    public let id: Int64
    public let agency: String
    public let title: String
    public let cost: Money
    public let start: LocalDate?
    public let end: LocalDate
    /// Normalised names of the systems and datasets it builds or replaces.
    public let systems: Set<String>
    public let datasets: Set<String>
    /// Distinctive words of the title and description.
    public let words: Set<String>

    public init(id: Int64, agency: String, record: ProjectRecord) {
        self.id = id
        self.agency = agency
        self.title = record.title
        self.cost = record.wholeLifeCost
        self.start = record.startDate
        self.end = record.forecastEnd
        self.systems = Set(record.systems.map(Similarity.normalise))
        self.datasets = Set(record.datasets.map(Similarity.normalise))
        self.words = Similarity.words(record.title + " " + (record.description ?? ""))
    }

    /// Whether the two run at the same time (a missing start counts from the beginning).
    func overlaps(_ other: ProjectFingerprint) -> Bool {
        let aStart = start ?? LocalDate(daysSinceEpoch: Int.min / 2)
        let bStart = other.start ?? LocalDate(daysSinceEpoch: Int.min / 2)
        return aStart <= other.end && bStart <= end
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
        name.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: " ")
    }

    static func words(_ text: String) -> Set<String> {
        Set(text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
            .filter { $0.count > 2 && !stopWords.contains($0) })
    }

    /// Weighted overlap: shared systems and datasets weigh most (the same system built twice),
    /// shared words support them.
    public static func compare(_ a: ProjectFingerprint, _ b: ProjectFingerprint) -> SimilarProjects {
        let systems = a.systems.intersection(b.systems), datasets = a.datasets.intersection(b.datasets), words = a.words.intersection(b.words)
        return SimilarProjects(first: min(a.id, b.id), second: max(a.id, b.id), score: score(a, b),
                               sharedSystems: systems.sorted(), sharedDatasets: datasets.sorted(), sharedWords: words.sorted())
    }

    /// The score of `compare` alone, without building what the two share: the index asks this
    /// of every candidate pair, and most are not reported.
    public static func score(_ a: ProjectFingerprint, _ b: ProjectFingerprint) -> Int {
        func shared(_ x: Set<String>, _ y: Set<String>) -> Int {
            let (small, large) = x.count <= y.count ? (x, y) : (y, x)
            var count = 0
            for item in small where large.contains(item) { count += 1 }
            return count
        }
        func jaccard(_ x: Set<String>, _ y: Set<String>) -> Double {
            let common = shared(x, y), union = x.count + y.count - common
            return union == 0 ? 0 : Double(common) / Double(union)
        }
        var score = 0.0, weight = 0.0
        if !a.systems.isEmpty || !b.systems.isEmpty { score += 0.4 * jaccard(a.systems, b.systems); weight += 0.4 }
        if !a.datasets.isEmpty || !b.datasets.isEmpty { score += 0.3 * jaccard(a.datasets, b.datasets); weight += 0.3 }
        // Words by the smaller set, so a short title fully inside a long description counts.
        let smaller = min(a.words.count, b.words.count)
        let wordScore = smaller == 0 ? 0 : Double(shared(a.words, b.words)) / Double(smaller)
        score += 0.3 * wordScore
        weight += 0.3
        return Int((score / weight * 100).rounded())
    }

    /// The keys a project is found by in the index: its systems, datasets and words.
    static func indexKeys(_ project: ProjectFingerprint) -> [String] {
        project.systems.map { "s:" + $0 } + project.datasets.map { "d:" + $0 } + project.words.map { "w:" + $0 }
    }

    /// Keys held by more projects than this are noise (a word everyone uses), not evidence.
    static func noiseLimit(projects: Int) -> Int { max(50, projects / 100) }

    /// Whether two alike projects matter to the rules: across agencies (duplication), or within
    /// one agency at the same time (a possible split).
    static func relevant(_ a: ProjectFingerprint, _ b: ProjectFingerprint) -> Bool {
        a.agency != b.agency || a.overlaps(b)
    }

    /// P8-DUPLICATION: alike projects of different agencies, most alike first.
    public static func duplicates(_ projects: [ProjectFingerprint]) -> [SimilarProjects] {
        let index = Index(projects)
        return index.pairs.compactMap { a, b -> SimilarProjects? in
            guard let first = index.fingerprints[a], let second = index.fingerprints[b], first.agency != second.agency else { return nil }
            return compare(first, second)
        }.sorted { ($0.score, $1.first, $1.second) > ($1.score, $0.first, $0.second) }
    }

    /// P8-THRESHOLD-SPLIT for one project: it and the projects of its agency that look like it
    /// and run at the same time, each under the threshold, when together they reach it. The
    /// group is the project's own neighbourhood, not a chain of likenesses, so each project
    /// named is alike to the one the finding is on.
    public static func split(of project: ProjectFingerprint, alike: [ProjectFingerprint], threshold: Money) -> [Int64]? {
        guard project.cost < threshold else { return nil }
        let partners = alike.filter { $0.agency == project.agency && $0.cost < threshold && $0.overlaps(project) }
        guard !partners.isEmpty else { return nil }
        let total = partners.reduce(project.cost) { $0 + $1.cost }
        return total >= threshold ? ([project.id] + partners.map(\.id)).sorted() : nil
    }

    /// Every distinct split group among `projects` (see `split(of:alike:threshold:)`).
    public static func thresholdSplits(_ projects: [ProjectFingerprint], threshold: Money) -> [[Int64]] {
        let index = Index(projects)
        var groups = Set<[Int64]>()
        for project in projects {
            let alike = index.neighbours(of: project.id).compactMap { index.fingerprints[$0] }
            if let group = split(of: project, alike: alike, threshold: threshold) { groups.insert(group) }
        }
        return groups.sorted { $0.lexicographicallyPrecedes($1) }
    }
}

extension Similarity {
    /// The projects found alike through an index of their systems, datasets and words, kept as
    /// each project's neighbours. Candidates are the projects sharing a telling key (keys held by
    /// very many projects are noise), so the work grows with the likenesses, not with the square
    /// of the portfolio; a project can be taken out and put back when it changes. Plain values:
    /// the registry's `SimilarityIndex` keeps one up to date, the functions above build one.
    public struct Index: Sendable {
        /// The projects indexed, by id.
        public private(set) var fingerprints: [Int64: ProjectFingerprint] = [:]
        private var postings: [String: Set<Int64>] = [:]
        /// Every alike, relevant pair, under both of its projects. Only the ids are kept: what
        /// the two share is worked out again when a finding needs it, which keeps a portfolio
        /// with many likenesses small in memory.
        private var alike: [Int64: Set<Int64>] = [:]

        public init() {}

        /// `projects` indexed and linked, each pair compared once.
        public init(_ projects: [ProjectFingerprint]) {
            for project in projects { insert(project) }
            for project in projects { link(project.id, onlyAbove: true) }
        }

        /// The projects alike to `id`, in whatever agency.
        public func neighbours(of id: Int64) -> [Int64] { alike[id].map(Array.init) ?? [] }

        /// Every alike pair once, the lower id first.
        public var pairs: [(Int64, Int64)] {
            alike.flatMap { id, others in others.filter { id < $0 }.map { (id, $0) } }
        }

        /// What two indexed projects share, and how much.
        public func pair(_ a: Int64, _ b: Int64) -> SimilarProjects? {
            guard let first = fingerprints[a], let second = fingerprints[b] else { return nil }
            return compare(first, second)
        }

        /// Takes a project out, with every likeness it had.
        public mutating func remove(_ id: Int64) {
            guard let old = fingerprints.removeValue(forKey: id) else { return }
            for key in indexKeys(old) {
                postings[key]?.remove(id)
                if postings[key]?.isEmpty == true { postings[key] = nil }
            }
            for other in alike.removeValue(forKey: id) ?? [] { alike[other]?.remove(id) }
        }

        /// Puts a project in the index; `link` then finds what it is alike to.
        public mutating func insert(_ project: ProjectFingerprint) {
            fingerprints[project.id] = project
            for key in indexKeys(project) { postings[key, default: []].insert(project.id) }
        }

        /// Compares `id` with every project sharing a telling key with it; `onlyAbove` skips
        /// lower ids (a full build compares each pair once).
        public mutating func link(_ id: Int64, onlyAbove: Bool) {
            guard let project = fingerprints[id] else { return }
            let noise = noiseLimit(projects: fingerprints.count)
            var candidates = Set<Int64>()
            for key in indexKeys(project) {
                guard let holders = postings[key], holders.count > 1, holders.count <= noise else { continue }
                candidates.formUnion(holders)
            }
            for other in candidates where other != id && (!onlyAbove || other > id) {
                guard let fingerprint = fingerprints[other], relevant(project, fingerprint), score(project, fingerprint) >= reportingScore else { continue }
                alike[id, default: []].insert(other)
                alike[other, default: []].insert(id)
            }
        }
    }
}
