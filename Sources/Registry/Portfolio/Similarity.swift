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

    /// Every pair at or above the reporting score. Pairs are found through an index of systems,
    /// datasets and words (words used by very many projects are left out as noise), so the work
    /// grows with the matches, not with the square of the portfolio.
    public static func similarPairs(_ projects: [ProjectFingerprint], where include: (ProjectFingerprint, ProjectFingerprint) -> Bool) -> [SimilarProjects] {
        var index: [String: [Int]] = [:]
        for (position, project) in projects.enumerated() {
            for key in indexKeys(project) { index[key, default: []].append(position) }
        }
        let noise = noiseLimit(projects: projects.count)
        var seen = Set<Int64>()
        var pairs: [SimilarProjects] = []
        for postings in index.values where postings.count > 1 && postings.count <= noise {
            for i in 0..<postings.count {
                for j in (i + 1)..<postings.count {
                    let a = projects[postings[i]], b = projects[postings[j]]
                    let key = Int64(postings[i]) << 32 | Int64(postings[j])
                    guard include(a, b), seen.insert(key).inserted else { continue }
                    if score(a, b) >= reportingScore { pairs.append(compare(a, b)) }
                }
            }
        }
        return pairs.sorted { ($0.score, $1.first, $1.second) > ($1.score, $0.first, $0.second) }
    }

    /// P8-DUPLICATION: alike projects of different agencies.
    public static func duplicates(_ projects: [ProjectFingerprint]) -> [SimilarProjects] {
        similarPairs(projects) { $0.agency != $1.agency }
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
        let pairs = similarPairs(projects) { $0.agency == $1.agency && $0.overlaps($1) }
        var alike: [Int64: [ProjectFingerprint]] = [:]
        let byID = Dictionary(uniqueKeysWithValues: projects.map { ($0.id, $0) })
        for pair in pairs {
            if let a = byID[pair.first], let b = byID[pair.second] { alike[a.id, default: []].append(b); alike[b.id, default: []].append(a) }
        }
        var groups = Set<[Int64]>()
        for project in projects {
            if let group = split(of: project, alike: alike[project.id] ?? [], threshold: threshold) { groups.insert(group) }
        }
        return groups.sorted { $0.lexicographicallyPrecedes($1) }
    }
}
