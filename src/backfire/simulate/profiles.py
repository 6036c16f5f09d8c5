"""Who runs a simulated campaign and the words its stream uses: one vocabulary per kind of organiser.

Every phrase here is the project's own. Templates in `texts.py` combine these slots, so a profile with
a handful of entries per slot still yields thousands of distinct posts.

>>> PROFILES["police"].tag
'myNYPD'
>>> sorted(PROFILES) == sorted(p.kind for p in PROFILES.values())
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product


@dataclass(frozen=True)
class Profile:
    """The organiser of a campaign and the vocabulary people use about it."""

    kind: str
    tag: str
    owner: str
    org: str
    intent: str
    copycat_tags: tuple[str, ...]
    people: tuple[str, ...]
    person: tuple[str, ...]
    good_scenes: tuple[str, ...]
    places: tuple[str, ...]
    bad_scenes: tuple[str, ...]
    services: tuple[str, ...]
    products: tuple[str, ...]
    alt_good: tuple[str, ...]
    alt_bad: tuple[str, ...]
    extra_tags: tuple[str, ...] = field(default=())
    critical_tags: tuple[str, ...] = field(default=())  # only critics add these (#boycott, #fail...)


def _combine(left: list[str], right: list[str]) -> tuple[str, ...]:
    """Every `left right` phrase: 'pepper-spraying' x 'a student' -> 'pepper-spraying a student'."""
    return tuple(f"{a} {b}" for a, b in product(left, right))


_POLICE = Profile(
    kind="police",
    tag="myNYPD",
    owner="NYPDnews",
    org="the NYPD",
    intent="Photos of the public with officers, to feature on the department's page",
    copycat_tags=("myLAPD", "myCPD", "myBPD", "mySFPD", "myAPD", "myOPD"),
    people=("officers", "cops", "police officers", "men and women in blue", "patrol officers", "finest"),
    person=("officer", "cop", "patrol officer", "sergeant", "police officer", "detective"),
    good_scenes=_combine(
        ["helping a lost kid find her mom", "posing with tourists", "handing out water",
         "rescuing a kitten", "giving my grandma directions", "shooting hoops with the kids",
         "helping us fix a flat tire", "carrying groceries for a neighbour", "high-fiving runners"],
        ["in Times Square", "at the parade", "in Central Park", "on the Brooklyn Bridge",
         "at our block party", "at Coney Island", "outside the precinct", "on the subway platform"],
    ),
    places=("in Times Square", "at the parade", "in Central Park", "on the Brooklyn Bridge",
            "at our block party", "at Coney Island", "outside the precinct", "on 5th Avenue"),
    bad_scenes=_combine(
        ["pepper-spraying", "tackling", "kettling", "dragging", "pinning down", "cuffing",
         "shoving", "clubbing", "stop-and-frisking", "body-slamming"],
        ["a protester", "a student", "a teenager", "a street vendor", "an old man", "a journalist",
         "peaceful marchers", "a woman in a wheelchair", "a kid on a bike", "a medic"],
    ),
    services=("crowd control", "community policing", "protest management", "traffic stops",
              "customer service", "de-escalation", "public relations"),
    products=("the Baton 3000", "Kettle Deluxe crowd packages", "premium pepper spray",
              "complimentary wrist restraints", "the all-inclusive frisk experience",
              "riot gear in fun colours", "the VIP back-of-the-van tour"),
    alt_good=("Smiling officer posing with two tourists", "Police officer holding a small child's hand",
              "Officer handing a bottle of water to a runner", "Group selfie with officers at a parade",
              "Officer kneeling to pet a dog in a park", "Two officers laughing with kids by a hydrant"),
    alt_bad=("Officers in riot gear pushing a crowd back", "An officer pinning a man to the pavement",
             "Police spraying seated protesters", "A baton raised over a protester",
             "Several officers dragging a woman across the street", "A bloodied man in handcuffs"),
    extra_tags=("NYC", "police", "NYPD", "community"),
    critical_tags=("BlackLivesMatter", "protest"),
)

_AIRLINE = Profile(
    kind="airline",
    tag="SkyLuxury",
    owner="SkyhighAir",
    org="Skyhigh Air",
    intent="Share your dream luxury moment on board",
    copycat_tags=("FlyHighStories", "AirComfort", "LuxuryInTheSky", "CabinDreams"),
    people=("crew", "cabin crew", "flight attendants", "pilots", "ground staff"),
    person=("flight attendant", "pilot", "gate agent", "crew member", "steward"),
    good_scenes=_combine(
        ["upgrading us for our honeymoon", "bringing my son a colouring book", "serving the best coffee",
         "landing us smoothly in a storm", "finding my lost passport", "singing happy birthday to me"],
        ["on the way to Sydney", "in the lounge", "in seat 14C", "at the gate", "over the Alps",
         "on our red-eye", "in business class"],
    ),
    places=("in the lounge", "in seat 14C", "at the gate", "on our red-eye", "in business class",
            "over the Alps"),
    bad_scenes=_combine(
        ["losing", "breaking", "delaying", "cancelling", "overbooking", "ignoring"],
        ["my luggage", "my wheelchair", "our flight for nine hours", "my mum's connection",
         "a whole plane of families", "my refund request", "my son's medication", "the honeymoon trip"],
    ),
    services=("customer service", "baggage handling", "on-time performance", "legroom", "refunds",
              "in-flight catering"),
    products=("the Luxury Tarmac Experience", "gourmet cold sandwiches", "premium knee-free legroom",
              "the Lost Luggage Lottery", "bonus hours at the gate", "platinum queueing"),
    alt_good=("Champagne glass by a plane window at sunset", "Flight attendant smiling with a child",
              "Lie-flat seat with a city view", "Pilot waving from the cockpit"),
    alt_bad=("Departure board full of cancelled flights", "Pile of suitcases at an empty carousel",
             "Passengers sleeping on an airport floor", "A broken wheelchair on the tarmac"),
    extra_tags=("travel", "aviation", "avgeek", "customerservice"),
    critical_tags=("fail",),
)

_FOOD = Profile(
    kind="food",
    tag="BurgerStories",
    owner="BurgerBarn",
    org="Burger Barn",
    intent="Tell us your happiest Burger Barn memory",
    copycat_tags=("FryStories", "BarnMemories", "MealTales", "DriveThruTales"),
    people=("staff", "crew", "cooks", "cashiers", "drive-thru team"),
    person=("cashier", "cook", "manager", "server", "crew member"),
    good_scenes=_combine(
        ["remembering my order", "giving my kid a free toy", "staying open late for us",
         "making the best shake", "drawing a smiley on the bag", "helping me after my car broke down"],
        ["on our road trip", "after the game", "at midnight", "on my birthday", "downtown",
         "at the highway stop"],
    ),
    places=("on our road trip", "after the game", "at midnight", "on my birthday", "downtown"),
    bad_scenes=_combine(
        ["serving", "selling", "handing", "feeding"],
        ["me a burger with a fingernail in it", "my kid raw chicken", "us cold fries after 40 minutes",
         "a whole family food poisoning", "me a shake with a bug in it", "underpaid workers' tears"],
    ),
    services=("food safety", "customer service", "drive-thru speed", "hygiene", "wages"),
    products=("the Mystery Meat Melt", "the Food Poisoning Combo", "Fries (Cold Edition)",
              "the Side of Regret", "the Underpaid Value Meal"),
    alt_good=("Family laughing over burgers in a booth", "Kid holding a toy next to a milkshake",
              "Neon sign of a diner at night"),
    alt_bad=("Raw chicken patty on a bun", "An insect in a paper cup", "A hand-written closed sign",
             "Overflowing kitchen sink"),
    extra_tags=("food", "fastfood", "foodie"),
    critical_tags=("gross", "boycott"),
)

_BANK = Profile(
    kind="bank",
    tag="AskFirstCapital",
    owner="FirstCapitalBank",
    org="First Capital",
    intent="Ask our leadership anything in a live Q&A",
    copycat_tags=("AskBigBank", "AskWallSt", "AskTheBankers"),
    people=("bankers", "advisers", "executives", "branch staff"),
    person=("adviser", "teller", "banker", "branch manager"),
    good_scenes=_combine(
        ["helping me buy my first home", "explaining my savings plan", "fixing a card issue fast",
         "sponsoring our youth league"],
        ["last spring", "in five minutes", "at the branch", "this year"],
    ),
    places=("at the branch", "on the phone", "this year", "last spring"),
    bad_scenes=_combine(
        ["foreclosing on", "charging overdraft fees to", "misleading", "lobbying against"],
        ["my grandmother", "a veteran", "small businesses", "students", "the whole town",
         "people who lost their jobs"],
    ),
    services=("customer care", "ethics", "fee transparency", "risk management", "compliance"),
    products=("the Bailout Savings Account", "the Fee-on-Fee Card", "the Golden Parachute Plan",
              "Overdraft Premium"),
    alt_good=("Couple holding keys in front of a house", "Smiling adviser shaking a client's hand"),
    alt_bad=("Foreclosure sign on a lawn", "A stack of overdraft letters", "Protesters outside a bank"),
    extra_tags=("finance", "banking", "wallstreet"),
    critical_tags=("occupy",),
)

_CITY = Profile(
    kind="city",
    tag="LoveRiverton",
    owner="CityOfRiverton",
    org="Riverton City Hall",
    intent="Show us what you love about your city",
    copycat_tags=("RivertonReality", "FixRiverton", "RealRiverton"),
    people=("city workers", "park rangers", "council staff", "bus drivers"),
    person=("bus driver", "park ranger", "librarian", "city worker"),
    good_scenes=_combine(
        ["planting trees", "running the summer festival", "keeping the library open late",
         "clearing snow before dawn", "fixing the playground"],
        ["by the river", "in Old Town", "on Main Street", "in our neighbourhood", "at the market"],
    ),
    places=("by the river", "in Old Town", "on Main Street", "at the market"),
    bad_scenes=_combine(
        ["ignoring", "closing", "cutting funding for", "raising rents on"],
        ["potholes for three years", "the only library", "the night buses", "the youth centre",
         "half of Old Town", "the flooded underpass"],
    ),
    services=("road repair", "public transport", "housing", "transparency", "snow clearing"),
    products=("the Pothole Adventure Pass", "Premium Waiting at the Bus Stop", "the Rent Hike Bundle"),
    alt_good=("Children playing in a fountain", "Sunset over the river promenade",
              "Crowd at a summer street festival"),
    alt_bad=("A car wheel stuck in a deep pothole", "Boarded-up library doors", "Flooded underpass"),
    extra_tags=("citylife", "localnews", "council"),
)

PROFILES: dict[str, Profile] = {p.kind: p for p in (_POLICE, _AIRLINE, _FOOD, _BANK, _CITY)}
