import Registry

/// What every page of the past says first: that it is the past, and the way back to now.
enum PastNotice {
    static func html(_ asOf: AsOf) -> HTML { html(asOf, now: nil) }

    static func html(_ asOf: AsOf, now: String?) -> HTML {
        """
        <p class="notice past" id="past-notice"><strong>This is the past:</strong> the registry as it stood at the end of \(asOf.description) (UTC),
        with the thresholds and rules of that day.\(now.map { " <a href=\"\($0)\">See it as it is now</a>." as HTML } ?? HTML.empty)</p>

        """
    }

    /// The date field that picks the day (a GET form, so every past view has a URL).
    static func form(action: String, asOf: AsOf?, today: LocalDate, first: LocalDate?) -> HTML {
        """
        <form class="as-of" method="get" action="\(action)">
        <label for="as_of">Show it as it stood at the end of</label>
        <input type="date" id="as_of" name="as_of" value="\(asOf?.description ?? "")" min="\(first?.description ?? today.description)" max="\(today.description)">
        <button type="submit">Show</button>
        </form>

        """
    }
}
