// Read an iCalendar object on stdin with ical.js (Thunderbird's and Nextcloud's parser)
// and print what a client would show, as JSON: every VEVENT's instants in UTC.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const root = new ICAL.Component(ICAL.parse(Buffer.concat(chunks).toString("utf8")));

// A client resolves TZID=... with the VTIMEZONE the calendar itself carries.
for (const vtimezone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtimezone);
}

const text = (component, name) => {
  const value = component.getFirstPropertyValue(name);
  return value === null ? null : value.toString();
};

const address = (property) => ({
  value: property.getFirstValue(),
  params: Object.fromEntries(
    ["cn", "partstat", "rsvp", "role"]
      .map((name) => [name, property.getParameter(name)])
      .filter(([, value]) => value !== undefined && value !== null),
  ),
});

const events = root.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  const organizer = vevent.getFirstProperty("organizer");
  return {
    uid: event.uid,
    sequence: event.sequence,
    start: event.startDate.toJSDate().toISOString(),
    end: event.endDate.toJSDate().toISOString(),
    tzid: event.startDate.zone ? event.startDate.zone.tzid : null,
    summary: event.summary,
    description: event.description,
    location: event.location,
    status: text(vevent, "status"),
    lastModified: vevent.getFirstPropertyValue("last-modified")?.toJSDate().toISOString() ?? null,
    organizer: organizer ? address(organizer) : null,
    attendees: vevent.getAllProperties("attendee").map(address),
  };
});

process.stdout.write(
  JSON.stringify({ method: text(root, "method"), timezones: root.getAllSubcomponents("vtimezone").length, events }),
);
