/// What two projects have in common, and how much: the basis of P8-DUPLICATION and
/// P8-THRESHOLD-SPLIT. Plain values in, plain values out.
public struct ProjectFingerprint: Sendable, Equatable {
    public var id: Int64
    public var agency: String
    public var title: String
    public var cost: Money
    public var start: LocalDate?
    public var end: LocalDate
    /// Normalised names of the systems and datasets it builds or replaces.
    public var systems: Set<String>
    public var datasets: Set<String>
    /// Distinctive words of the title and description.
    public var words: Set<String>

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
        func jaccard(_ x: Set<String>, _ y: Set<String>) -> Double {
            let union = x.union(y).count
            return union == 0 ? 0 : Double(x.intersection(y).count) / Double(union)
        }
        let systems = a.systems.intersection(b.systems), datasets = a.datasets.intersection(b.datasets), words = a.words.intersection(b.words)
        var score = 0.0, weight = 0.0
        if !a.systems.isEmpty || !b.systems.isEmpty { score += 0.4 * jaccard(a.systems, b.systems); weight += 0.4 }
        if !a.datasets.isEmpty || !b.datasets.isEmpty { score += 0.3 * jaccard(a.datasets, b.datasets); weight += 0.3 }
        // Words by the smaller set, so a short title fully inside a long description counts.
        let smaller = min(a.words.count, b.words.count)
        let wordScore = smaller == 0 ? 0 : Double(words.count) / Double(smaller)
        score += 0.3 * wordScore
        weight += 0.3
        return SimilarProjects(first: min(a.id, b.id), second: max(a.id, b.id), score: Int((score / weight * 100).rounded()),
                               sharedSystems: systems.sorted(), sharedDatasets: datasets.sorted(), sharedWords: words.sorted())
    }

    /// Every pair at or above the reporting score. Pairs are found through an index of systems,
    /// datasets and words (words used by very many projects are left out as noise), so the work
    /// grows with the matches, not with the square of the portfolio.
    public static func similarPairs(_ projects: [ProjectFingerprint], where include: (ProjectFingerprint, ProjectFingerprint) -> Bool) -> [SimilarProjects] {
        var index: [String: [Int]] = [:]
        for (position, project) in projects.enumerated() {
            for key in project.systems.map({ "s:" + $0 }) + project.datasets.map({ "d:" + $0 }) + project.words.map({ "w:" + $0 }) {
                index[key, default: []].append(position)
            }
        }
        let noise = max(50, projects.count / 100)
        var seen = Set<Int64>()
        var pairs: [SimilarProjects] = []
        for postings in index.values where postings.count > 1 && postings.count <= noise {
            for i in 0..<postings.count {
                for j in (i + 1)..<postings.count {
                    let a = projects[postings[i]], b = projects[postings[j]]
                    let key = Int64(postings[i]) << 32 | Int64(postings[j])
                    guard include(a, b), seen.insert(key).inserted else { continue }
                    let similar = compare(a, b)
                    if similar.score >= reportingScore { pairs.append(similar) }
                }
            }
        }
        return pairs.sorted { ($0.score, $1.first, $1.second) > ($1.score, $0.first, $0.second) }
    }

    /// P8-DUPLICATION: alike projects of different agencies.
    public static func duplicates(_ projects: [ProjectFingerprint]) -> [SimilarProjects] {
        similarPairs(projects) { $0.agency != $1.agency }
    }

    /// P8-THRESHOLD-SPLIT: groups of one agency's alike, overlapping projects, each under the
    /// threshold, that together reach it.
    public static func thresholdSplits(_ projects: [ProjectFingerprint], threshold: Money) -> [[Int64]] {
        let under = projects.filter { $0.cost < threshold }
        let pairs = similarPairs(under) { $0.agency == $1.agency && $0.overlaps($1) }
        // Group by connected pairs (union-find).
        var parent: [Int64: Int64] = [:]
        func root(_ id: Int64) -> Int64 {
            var id = id
            while let next = parent[id], next != id { id = next }
            return id
        }
        for pair in pairs {
            let a = root(pair.first), b = root(pair.second)
            if a != b { parent[max(a, b)] = min(a, b) }
            parent[a] = parent[a] ?? a
            parent[b] = parent[b] ?? min(a, b)
        }
        var groups: [Int64: [Int64]] = [:]
        for id in Set(pairs.flatMap { [$0.first, $0.second] }) { groups[root(id), default: []].append(id) }
        let costs = Dictionary(uniqueKeysWithValues: under.map { ($0.id, $0.cost) })
        return groups.values.map { $0.sorted() }
            .filter { group in group.reduce(Money.zero) { $0 + (costs[$1] ?? .zero) } >= threshold }
            .sorted { $0[0] < $1[0] }
    }
}
