//! What the audience says and searches for: reviews, ad comments and social posts about the
//! brand, and search terms with their intent. Texts are assembled from phrases people actually
//! use about coffee subscriptions, per topic and sentiment, so topics and sentiment are known
//! (the research features can be checked against them) and every text is distinct.

use pw_domain::SearchIntent;

/// (topic, positive statements, neutral statements, negative statements)
pub type Topic = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

pub const TOPICS: &[Topic] = &[
    (
        "taste",
        &[
            "the Ethiopia Guji tastes like blueberries, I didn't believe the bag until I tried it",
            "the espresso blend pulls sweet and chocolatey even on my cheap machine",
            "the Colombia is smooth with zero bitterness, my partner finally drinks it black",
            "every single origin so far has been bright and clean",
            "the holiday blend tastes like cinnamon and dark chocolate without any added flavouring",
            "I've tried five roasters this year and this is the only one I keep reordering",
        ],
        &[
            "the Kenya is a lot more acidic than I'm used to, still figuring out if I like it",
            "the house blend is fine, pretty standard medium roast",
            "it's lighter than grocery store coffee, takes some getting used to",
            "the tasting notes on the bag are a bit optimistic but it's good coffee",
        ],
        &[
            "the Sumatra tasted burnt and ashy to me",
            "last bag of the espresso blend was sour no matter how I dialled it in",
            "the decaf was flat and papery, nothing like the description",
            "the Brazil was muddy and flat, nothing like the caramel notes on the label",
        ],
    ),
    (
        "freshness",
        &[
            "roast date was two days before it arrived, you can smell it when you open the box",
            "beans are oily and fragrant, clearly roasted to order",
            "the bloom on pour-over is huge, these are really fresh",
            "even in week three the beans still smell amazing when I open the bag",
        ],
        &[
            "roast date is printed on the bag which is nice to know",
            "they say it rests best for a week after roasting",
            "the bags arrive about five days after roasting",
        ],
        &[
            "my bag was roasted almost three weeks before it showed up",
            "the beans seemed stale out of the bag, barely any bloom",
            "half the bag had no aroma left by the time I got to it",
        ],
    ),
    (
        "subscription",
        &[
            "skipping a delivery from the app took ten seconds",
            "love that I can swap origins every month without cancelling",
            "the subscription discount actually makes it cheaper than the supermarket stuff I used to buy",
            "moving my delivery date around a vacation was painless",
        ],
        &[
            "the subscription ships every two or four weeks, wish there was a three week option",
            "you have to log in on the website to change the grind size",
            "the subscription page shows your next three shipments, which helps",
        ],
        &[
            "tried to cancel the subscription and had to email support twice",
            "got charged for a box after I paused, still waiting on the refund",
            "the subscription kept sending the same blend even though I picked rotating origins",
            "the reminder email before each charge stopped coming so I got billed by surprise",
        ],
    ),
    (
        "shipping",
        &[
            "shipping was crazy fast, ordered Sunday and had it Tuesday",
            "tracking updates were accurate the whole way",
            "the box fits through my mail slot so I never have to wait in for a delivery",
        ],
        &[
            "ships from Chicago so it takes about four days to the west coast",
            "free shipping kicks in at 35 dollars",
            "they only ship Monday to Thursday so nothing sits in a warehouse over the weekend",
        ],
        &[
            "my order sat in 'label created' for a week",
            "box arrived crushed and one bag had split open",
            "shipping costs more than the coffee if you only want one bag",
            "paid for express and it still took six days",
        ],
    ),
    (
        "price",
        &[
            "for specialty coffee the price is honestly fair",
            "the 2 lb bag is great value if you drink a lot",
            "with the subscription discount and free shipping it costs less per cup than the café by a mile",
        ],
        &[
            "around 19 dollars a bag, about what other roasters charge",
            "pricier than supermarket coffee but cheaper than my daily latte",
            "gift sets are around 45 dollars, which seems normal for specialty coffee",
        ],
        &[
            "22 dollars for 12 ounces is hard to justify every month",
            "prices went up again and the bag got smaller",
            "the 15% first order code didn't work on the gift sets",
        ],
    ),
    (
        "packaging",
        &[
            "the compostable bags are a big reason I switched",
            "the holiday box is gorgeous, I didn't even need to wrap it",
            "the resealable bags actually reseal, unlike the last roaster I tried",
        ],
        &[
            "the bags have a one-way valve and a zip, standard stuff",
            "packaging is plain brown kraft, nothing fancy",
            "the bags are compostable at home but it takes a few months",
        ],
        &[
            "the compostable zip broke on the second day so the beans went stale",
            "way too much packaging for two bags of coffee",
            "the gift box was crushed at the corner and the ribbon had come loose",
        ],
    ),
    (
        "customer service",
        &[
            "support replaced a damaged bag without asking for photos",
            "emailed about grind size for my moka pot and got a really thoughtful answer",
            "they refunded a late order before I even asked",
        ],
        &[
            "support replies within a day or so",
            "there's a chat on the site but it's only open weekdays",
            "you get an auto-reply first and then a real person a few hours later",
        ],
        &[
            "three emails and no reply about a missing order",
            "support kept sending me copy-paste answers",
            "support closed my ticket without fixing anything",
        ],
    ),
    (
        "brewing guides",
        &[
            "their pour-over guide fixed my bitter cups in one morning",
            "the cold brew ratios in the guide were spot on",
            "the grind size chart saved me from buying a new grinder",
        ],
        &[
            "the brewing guides are on the website under 'learn'",
            "they recommend a 1:16 ratio for filter",
            "the guides use grams so you need a scale",
        ],
        &[
            "the guide assumes you own a 200 dollar grinder",
            "the espresso guide skips over how to actually dial in a new bag",
        ],
    ),
    (
        "decaf",
        &[
            "finally a decaf I can drink after dinner without missing real coffee",
            "the Swiss Water decaf is chocolatey and sweet, pregnant me is grateful",
            "my mom can't have caffeine and says this is the first decaf that tastes right",
        ],
        &[
            "they only have one decaf right now",
            "the decaf only comes in 12 oz bags",
        ],
        &[
            "decaf has been out of stock for a month",
            "the decaf tasted like cardboard the second time I ordered it",
        ],
    ),
    (
        "cold brew",
        &[
            "the cold brew kit got me through the whole summer",
            "cold brew concentrate from their beans is so smooth with oat milk",
            "cold brew made with the Colombia tastes like chocolate milk for grown-ups",
        ],
        &[
            "the cold brew filters are sold separately",
            "they recommend a coarse grind and 16 hours for cold brew",
        ],
        &[
            "the cold brew pouches leaked grounds into my pitcher",
            "the cold brew pitcher cracked after a month in the fridge",
        ],
    ),
    (
        "gifting",
        &[
            "bought the tasting set for my dad and he's now a subscriber",
            "the gift subscription was the easiest present I've given",
            "sent the tasting set to my team for the holidays and everyone asked where it was from",
            "the handwritten gift note was a lovely touch",
        ],
        &[
            "you can add a gift note at checkout",
            "the gift subscription comes in three, six or twelve months",
        ],
        &[
            "the gift box arrived after Christmas even with express shipping",
            "the gift note I wrote never made it into the box",
        ],
    ),
    (
        "sustainability",
        &[
            "they publish what they pay farmers, which almost nobody does",
            "love that the farm names are on every bag",
            "the farmer profiles with the prices they were paid are why I trust them",
        ],
        &[
            "they say they're carbon neutral on shipping",
            "their impact report is on the about page",
        ],
        &[
            "'direct trade' sounds nice but I couldn't find any proof on their site",
            "shipping single bags in big boxes doesn't feel very sustainable",
        ],
    ),
];

pub const OPENERS: &[&str] = &[
    "",
    "Honestly, ",
    "Update: ",
    "Okay so ",
    "Third month in and ",
    "Not gonna lie, ",
    "PSA: ",
    "Quick review: ",
    "Long-time customer here, ",
    "First order and ",
];

pub const CLOSERS: &[&str] = &[
    "",
    ".",
    "!",
    ". Would recommend.",
    ". Will order again.",
    ". Still deciding if I'll keep the subscription.",
    ". 10/10.",
    ". Not impressed.",
    ". Fix this please.",
    ". My whole office is hooked now.",
];

/// Where mentions come from, with the platform or site that carries them and how much of what a
/// brand hears comes from there: comments under its Meta ads and Instagram posts are most of it,
/// TikTok a sixth, reviews and forums the rest.
pub const MENTION_SOURCES: &[(&str, &str, f64)] = &[
    ("review", "halcyonroasters.com", 0.08),
    ("review", "Trustpilot", 0.06),
    ("comment", "Meta ad comment", 0.34),
    ("comment", "TikTok ad comment", 0.1),
    ("social_post", "Instagram", 0.26),
    ("social_post", "TikTok", 0.07),
    ("social_post", "Reddit r/coffee", 0.05),
    ("social_post", "X", 0.04),
];

/// (search term, intent, monthly searches, topic)
pub const SEARCH_TERMS: &[(&str, SearchIntent, i64, &str)] = &[
    (
        "halcyon roasters",
        SearchIntent::Navigational,
        6_600,
        "brand",
    ),
    ("halcyon coffee", SearchIntent::Navigational, 2_900, "brand"),
    (
        "halcyon roasters login",
        SearchIntent::Navigational,
        880,
        "subscription",
    ),
    (
        "halcyon roasters discount code",
        SearchIntent::Transactional,
        1_300,
        "price",
    ),
    (
        "halcyon roasters review",
        SearchIntent::Commercial,
        720,
        "brand",
    ),
    (
        "best coffee subscription",
        SearchIntent::Commercial,
        18_100,
        "subscription",
    ),
    (
        "coffee subscription gift",
        SearchIntent::Commercial,
        9_900,
        "gifting",
    ),
    (
        "best whole bean coffee",
        SearchIntent::Commercial,
        14_800,
        "taste",
    ),
    (
        "buy coffee beans online",
        SearchIntent::Transactional,
        8_100,
        "shipping",
    ),
    (
        "fresh roasted coffee delivery",
        SearchIntent::Transactional,
        2_400,
        "freshness",
    ),
    (
        "single origin coffee beans",
        SearchIntent::Commercial,
        4_400,
        "taste",
    ),
    (
        "ethiopian yirgacheffe coffee beans",
        SearchIntent::Commercial,
        3_600,
        "taste",
    ),
    (
        "best espresso beans for home",
        SearchIntent::Commercial,
        6_600,
        "taste",
    ),
    (
        "swiss water decaf coffee beans",
        SearchIntent::Commercial,
        2_900,
        "decaf",
    ),
    (
        "how to make cold brew at home",
        SearchIntent::Informational,
        40_500,
        "cold brew",
    ),
    (
        "cold brew coffee ratio",
        SearchIntent::Informational,
        14_800,
        "cold brew",
    ),
    (
        "cold brew kit",
        SearchIntent::Transactional,
        5_400,
        "cold brew",
    ),
    (
        "pour over coffee ratio",
        SearchIntent::Informational,
        12_100,
        "brewing guides",
    ),
    (
        "how to dial in espresso",
        SearchIntent::Informational,
        3_600,
        "brewing guides",
    ),
    (
        "why is my coffee bitter",
        SearchIntent::Informational,
        8_100,
        "brewing guides",
    ),
    (
        "how long do coffee beans stay fresh",
        SearchIntent::Informational,
        9_900,
        "freshness",
    ),
    (
        "compostable coffee bags",
        SearchIntent::Commercial,
        1_000,
        "packaging",
    ),
    (
        "direct trade coffee",
        SearchIntent::Informational,
        1_600,
        "sustainability",
    ),
    (
        "coffee gift set",
        SearchIntent::Transactional,
        12_100,
        "gifting",
    ),
    (
        "coffee lover gifts",
        SearchIntent::Commercial,
        22_200,
        "gifting",
    ),
    (
        "atlas coffee club vs trade coffee",
        SearchIntent::Commercial,
        1_900,
        "subscription",
    ),
    (
        "coffee of the month club",
        SearchIntent::Commercial,
        6_600,
        "subscription",
    ),
    (
        "cancel coffee subscription",
        SearchIntent::Navigational,
        590,
        "subscription",
    ),
    (
        "is specialty coffee worth it",
        SearchIntent::Informational,
        1_300,
        "price",
    ),
    (
        "medium roast vs light roast",
        SearchIntent::Informational,
        18_100,
        "taste",
    ),
    (
        "best decaf coffee",
        SearchIntent::Commercial,
        12_100,
        "decaf",
    ),
    (
        "oat milk latte at home",
        SearchIntent::Informational,
        4_400,
        "brewing guides",
    ),
    (
        "aeropress recipe",
        SearchIntent::Informational,
        9_900,
        "brewing guides",
    ),
    (
        "coffee beans free shipping",
        SearchIntent::Transactional,
        1_900,
        "shipping",
    ),
    (
        "organic coffee beans",
        SearchIntent::Commercial,
        14_800,
        "sustainability",
    ),
    ("low acid coffee", SearchIntent::Commercial, 27_100, "taste"),
    (
        "christmas coffee gift box",
        SearchIntent::Transactional,
        3_600,
        "gifting",
    ),
    (
        "iced coffee recipe",
        SearchIntent::Informational,
        49_500,
        "cold brew",
    ),
    (
        "moka pot grind size",
        SearchIntent::Informational,
        2_400,
        "brewing guides",
    ),
    (
        "coffee grinder for pour over",
        SearchIntent::Commercial,
        5_400,
        "brewing guides",
    ),
];

/// Observed behaviours of the audience, as analytics and platforms aggregate them.
/// (text, topic, share of audience)
pub const BEHAVIORS: &[(&str, &str, f64)] = &[
    (
        "Read two or more brewing guides before a first purchase",
        "brewing guides",
        0.34,
    ),
    (
        "Added a subscription to cart, then bought a single bag instead",
        "subscription",
        0.18,
    ),
    (
        "Opened the 'skip next delivery' page within 3 days of a shipment",
        "subscription",
        0.22,
    ),
    (
        "Bought again within 30 days of the first order",
        "taste",
        0.41,
    ),
    (
        "Abandoned checkout at the shipping cost step",
        "shipping",
        0.27,
    ),
    (
        "Watched more than 75% of an origin story video",
        "sustainability",
        0.12,
    ),
    (
        "Browsed gift sets on mobile, bought on desktop",
        "gifting",
        0.16,
    ),
    (
        "Switched grind size from whole bean to filter after month one",
        "brewing guides",
        0.09,
    ),
    (
        "Engaged with cold brew content between June and August",
        "cold brew",
        0.29,
    ),
    (
        "Clicked a TikTok creator ad, then searched the brand name on Google",
        "brand",
        0.14,
    ),
    (
        "Visited the decaf product page three or more times",
        "decaf",
        0.07,
    ),
    ("Used a discount code on the first order", "price", 0.52),
    (
        "Saved a Pinterest recipe pin that links to a brewing guide",
        "brewing guides",
        0.11,
    ),
    (
        "Paused a subscription during the holidays",
        "subscription",
        0.08,
    ),
    (
        "Bought the holiday tasting set as a gift and subscribed within 60 days",
        "gifting",
        0.05,
    ),
    (
        "Left a review after the third delivery",
        "customer service",
        0.06,
    ),
    (
        "Contacted support about a delayed delivery",
        "shipping",
        0.04,
    ),
    (
        "Compared subscription plans for more than two minutes",
        "subscription",
        0.19,
    ),
    ("Came back from a price-comparison site", "price", 0.13),
    (
        "Bought espresso beans together with a milk frother",
        "brewing guides",
        0.05,
    ),
];
