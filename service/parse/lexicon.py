# ruff: noqa: E501  (the furniture and opener tables are long regex alternations; wrapping them hurts reading)
"""Word lists and regexes that classify a line: furniture, chrome, openers, cues."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from service.dates import MONTH_RX, REPLY_NAME, trie_rx
from service.parse.rxswitch import FirstCharRx, split_top

log = logging.getLogger(__name__)


# A thread's count stated as none: "No comments", "0 comments", "Comments off" (the comment form's
# furniture, "No comments yet."; counters.py: a teaser's counter too, on a front page).
_ZERO_COMMENTS = r"(?:no|0|zero) comments?|comments? (?:off|closed)"
ZERO_COMMENTS = re.compile(_ZERO_COMMENTS, re.I)

# The comment words of a comments feed link (below, and _FEED_LIST_ITEM's neighbours).
_FEED_COMMENT_WORDS = (
    r"(?:comments?|commentaires|kommentare?|comentarios|comentários|commenti|reacties|kommentarer)"
)
# The other items of a feed list beside its bare "Comments" link (lines.py): Blogger's "Subscribe To"
# widget ("Posts" / "Comments", each over "Atom" in w3m; "Articles", "Entradas", "Postagens" ... in its
# languages), WordPress.com's "Feeds" / "Full" / "Comments", "Entries RSS" / "Comments", a "Recent
# content" widget's "Posts" / "Comments" / "Tweets" tabs.
FEED_LIST_ITEM = re.compile(
    r"(?:all )?(?:posts?|entries|articles|full|summary|atom|rss(?: 2\.0)?|feeds?|entradas|postagens|artikel"
    r"|beiträge|einträge|berichten|artículos|articoli|tweets)(?:\s*\((?:atom|rss)\)|\s+(?:rss|atom|feed))?",
    re.I,
)
# A sidebar's tabbed widget around its "Comments" tab: "Popular" / "Recent" / "Comments" / "Tags"
# (lines.py wants two of these beside it: one "Popular" under a thread's heading is its sort choice).
WIDGET_TAB = re.compile(
    r"(?:(?:most )?(?:popular|recent)|most (?:commented|read|viewed|shared)|archives?|tags|categories)(?: posts| articles)?"
    r"|populaires|récents|archiv|beliebt|populares|recientes|archivo|popolari|recenti|archivio|populair|recent",
    re.I,
)
# A comment form's label of a field other than the comment's text (lines.py: the line above the text
# box's "Comments" label): "Name (required)", "Email Address(required)", "Website", "URL:", "E-mail *"
# in the languages the comment form table covers.
_FIELD_LABEL = (
    r"(?:your )?(?:name|e-?mail(?: address)?|website|url|homepage|nom|courriel|adresse e-?mail|site web"
    r"|e-mail-adresse|webseite|nombre|correo(?: electrónico)?|sitio web|nome|sito web|naam|e-?mailadres)"
    r"\s*(?:\*|\((?:required|optional|obligatoire|erforderlich|obligatorio|obbligatorio|obrigatório|verplicht)\))?"
    r"\s*:?\s*\*?"
)
FORM_FIELD_LABEL = re.compile(_FIELD_LABEL, re.I)
# The comment form's own lines: its heading ("Leave a Reply", "Post a comment") in the languages the
# table below covers, its notices, TypePad's preview box over it ("Verify your Comment"). Furniture
# (the "comment form" class below), and under a comment heading the sign of an empty thread
# (COMMENT_FORM_OPENING, which adds FORM_FIELD_LABEL: a bare "Website" is a form's label under a
# comment heading, a menu's link anywhere else).
_FORM_OWN = (
    r"(?:leave|post|add|write|submit|make) (?:a |your |new )*(?:reply|comment|response)\b.*"
    r"|your e-?mail (?:address )?will not be published\b.*|required fields are marked\b.*"
    r"|you must be (?:logged|signed) in to (?:post|leave|write).*|verify your comment|previewing your comment"
    r"|schreibe einen kommentar.*|kommentar schreiben.*|laisser un commentaire.*|poster un commentaire"
    r"|écrire un commentaire|ajouter un commentaire.*|deja (?:un|una|tu) (?:comentario|respuesta).*"
    r"|lascia un commento.*|deixe (?:um|uma|o seu) (?:comentário|resposta).*|laat een reactie achter.*"
    r"|geef een reactie.*|[أا]ضف تعليق.*|[أا]ترك تعليقا?.*"
)
# A comment widget's sort menu label ("Sort by Top" is furniture; segment._sort_choice reads the choice
# a dump put on the next line).
SORT_LABELS = (
    r"sort by\b|trier par|sortieren nach\b|ordenar por\b|ordina per\b"
    # hr, el, he, ro, cs, sk, vi, ms, tl, ca, hu, uk, ru, fa, da, fi, tr, id, pl
    r"|poredaj po\b|sortiraj po\b|ταξινόμηση|מיון|sortează după|seřadit|zoradiť|sắp xếp|susun\b|ayusin ayon sa"
    r"|ordena per\b|rendezés|сортувати|сортировать|مرتب‌سازی|sortér efter|järjestä|sırala|urutkan|sortuj"
)
_FURNITURE: list[tuple[str, str]] = [
    (
        "accessibility links",
        r"accessibility links|skip to (?:main )?(?:content|navigation|search|footer)|jump to (?:navigation|content)"
        # A row of skip links ("skip to main | skip to sidebar", "Skip to main content | Skip to footer site map").
        r"|(?:(?:skip|jump) to (?:the )?(?:main|primary|content|navigation|search|footer|sidebar|menu)\b[\w ]{0,25}"
        r"[\s|»·•.]*){1,4}"
        r"|aller au contenu|zum inhalt springen|skip navigation|back to top|top of page|retour en haut|nach oben",
    ),
    (
        "video player",
        r"please wait|no media source currently available|loading(?:\.\.\.|…)?(?: please wait!?)?"
        r"|loading,? please wait!?|(?:\d{1,2}:\d{2}(?::\d{2})?\s*){2,}|inline video player.*"
        r"|media caption.*|video (?:is )?(?:loading|unavailable).*|play video|watch video|replay|unmute|mute"
        r"|your browser does not support.*|this video (?:is|has).*",
    ),
    (
        "share buttons",
        r"(?:share|partager|teilen)(?: (?:this|on|via|article|story|post|page|sur|auf)\b.*)?|share this story about sharing"
        r"|share to \S+"
        r"|click to (?:share|print|email|e-mail)\b.*|(?:tweet|pin it|print|email|e-mail|facebook|twitter|whatsapp|linkedin"
        r"|pinterest|reddit|tumblr|messenger|telegram|flipboard|copy link|copy|mail|imprimer|drucken|google\+?|digg"
        r"|stumbleupon|delicious|x)(?:[\s,|•·/]+(?:tweet|print|email|e-mail|facebook|twitter|whatsapp|linkedin|pinterest"
        r"|reddit|tumblr|messenger|telegram|flipboard|copy link|mail|google\+?|digg|share|x))*"
        r"|e-?mail (?:this|to a friend)\b.*|send to a friend|print this (?:article|page|story)|print friendly(?: (?:and|&) pdf)?"
        # Blogger's share row, its labels glued in a text dump: "Email ThisBlogThis!Share to Twitter..."
        r"|(?:e-?mail this|per e-mail versenden|envoyer par e-mail)blogthis!.*",
    ),
    (
        "recommendations",
        r"before you go|recommended(?: for you| stories| articles| reading)?|popular in the community|what'?s hot"
        r"|about the (?:author|writer)|(?:author|writer)(?:'s)? bio(?:graphy)?|über (?:den|die) autor(?:in)?|à propos de l'auteur|sobre el autor|sull'autore"
        r"|trending(?: now| stories)?:?|most (?:read|popular|viewed|shared|commented)\b.*|related(?: articles| stories| posts"
        r"| content| coverage| topics| links)?:?|more on this (?:story|topic)|you (?:may|might) also like\b.*"
        r"|more (?:from|stories|videos|news|posts)\b.{0,40}|read more\b.{0,30}|read next|up next|sponsored(?: content| stories)?"
        r"|advertisement|advert|ad|publicité|anzeige|promoted(?: stories)?|features (?:&|and) analysis|top stories"
        r"|editor'?s picks?|à lire aussi|lire aussi|sur le même sujet|das könnte sie auch interessieren|weitere artikel"
        # The same headings in other languages (most read, read also, related): de, fr, es, pt, it, nl, pl, ru, ar.
        r"|meist ?gelesen(?:e artikel)?|auch interessant|verwandte artikel|mehr aus dem ressort\b.{0,40}"
        r"|les plus (?:lus|partagés|commentés|populaires)|vous aimerez aussi|articles? (?:liés|similaires)"
        r"|lo más (?:leído|visto|compartido|comentado)|(?:noticias |artículos )?más (?:leíd[oa]s|vist[oa]s)"
        r"|(?:noticias|artículos) relacionad[oa]s|mais lid[oa]s|(?:notícias|artigos) relacionad[oa]s"
        r"|(?:i )?più lett[ie]|articoli correlati|meest gelezen|gerelateerde artikelen|najczęściej czytane"
        r"|самое читаемое|похожие статьи"
        r"|الأكثر (?:قراءة|مشاهدة|تعليقا|تعليقاً)|(?:مقالات|[أا]خبار|مواضيع) ذات صلة"
        # ... and a promo's label, alone or before the promoted headline ("Lesen Sie auch: TITLE", "ALSO
        # READ | TITLE", "Zobacz także: TITLE").
        r"|(?:also read|read also|see also|mehr zum thema|lesen sie auch|à lire également|(?:también )?te puede interesar"
        r"|le[ea] también|leia também|veja também|leggi anche|potrebbe interessarti|lees ook|(?:zobacz|czytaj) (?:także|też)"
        r"|читайте также|اقر[أا] [أا]يضا?ً?)(?:\s*[:：|–—-]\s*\S.{0,120})?",
    ),
    (
        "newsletter and subscription",
        r"newsletters?\b.{0,60}|sign up\b.{0,60}|subscribe\b.{0,60}|abonnez-vous.{0,60}|je m'abonne.*|s'abonner.*"
        r"|follow us\b.*|suivez-nous.*|get (?:our|the) newsletter.*"
        # A comments feed link: "Comments (Atom)", Blogger's "Post Comments (Atom)" in its languages
        # ("Publier les commentaires (Atom)", "Kommentare zum Post (Atom)"), "Comments RSS", "Comments
        # Feed", "RSS Comments", "Flux des commentaires", "Kommentare-Feed", "Feed de comentarios".
        rf"|(?:[\w' ]{{0,30}} )?{_FEED_COMMENT_WORDS}(?: [\w ]{{0,20}})?\s*\((?:atom|rss(?: 2\.0)?)\)"
        rf"|{_FEED_COMMENT_WORDS}[\s-]*(?:(?:rss|atom)(?: 2\.0)?(?:[\s-]*feed)?|feed)"
        r"(?: (?:for|of|on) this (?:post|entry|article|page))?"
        rf"|(?:rss|atom)(?: 2\.0)?(?:[\s-]*feed)?(?: (?:for|of|on))?(?: the)? {_FEED_COMMENT_WORDS}"
        r"(?: (?:for|of|on|to) this (?:post|entry|article|page))?"
        r"|(?:flux|fil)(?: rss)? des commentaires|rss des commentaires|rss-feed (?:der|für) kommentare"
        r"|(?:feed|rss) (?:de|dos|de los|dei|van de) (?:comentarios|comentários|commenti|reacties)",
    ),
    (
        "comment form",
        rf"{_FORM_OWN}|cancel reply|submit(?: comment)?"
        r"|save my name,? email.*|this site uses akismet.*"
        r"|(?:hello!? )?you (?:need|have) to (?:sign in|log ?in|register) to (?:comment|post|reply)\b.*"
        r"|(?:notify|email) me (?:of|when)\b.*|(?:name|email|e-mail|website|comment|message|nom|courriel)\s*\*?:?"
        r"|réagir\b.{0,40}|comment via \w+.*|log ?in to (?:comment|reply).*|sign in to comment.*"
        r"|reageer.{0,20}|cancelar respuesta|annulla risposta|cancelar resposta"
        r"|your comments?:?\*?(?: required)?|required|\* required|join the (?:discussion|conversation).*"
        # TypePad's comment form: its preview, captcha and moderation notices.
        r"|this is only a preview\. your comment has not yet been posted\b.*|the letters and numbers you entered did not match\b.*"
        r"|as a final step before posting your comment\b.*|having trouble reading this image\?.*"
        r"|comments are moderated,? and will not appear until\b.*"
        r"|commenting policy.*|comment(?:s)? policy.*|charte des commentaires.*|view comments\s*\d*|show (?:more )?comments(?: \(\d+\))?"
        r"|all comments|hide comments|loading comments(?:\.\.\.|…)?|comments? (?:are|is) closed\.?.*|commentaires fermés.*"
        rf"|(?:{SORT_LABELS}).*|oldest first|newest first|best first"
        # A sort toggle's buttons, glued in a text dump: "OldestNewest", "Oldest | Newest | Top".
        r"|(?:oldest|newest|latest|top|best|popular)(?:\s*[|·]?\s*(?:oldest|newest|latest|top|best|popular)){1,3}"
        r"|añad(?:e|ir) (?:un|nuevo) comentario.*|neuen kommentar hinzufügen.*|aggiungi un commento.*"
        rf"|(?:{_ZERO_COMMENTS})(?: yet)?\.?|be the first to (?:comment|reply)\b.*|(?:start|join) the discussion\.?"
        r"|aucun commentaire.*|soyez le premier à (?:commenter|réagir).*|(?:noch )?keine kommentare.*"
        r"|(?:comments?|kommentare|commentaires) \(0\)|0 (?:comments?|kommentare|commentaires)"
        r"|(?:get|load|show|view|see) (?:more|all|older|newer)(?: comments| replies)?\b.{0,20}|comments? \d+ (?:of|to) \d+"
        r"|(?:get|load|show|view|see) \d+ (?:more |older |newer )?(?:comments?|replies)\b.{0,20}"
        r"|(?:please )?(?:sign in|sign up|log ?in|register)\b.{0,60}\bto (?:add |post |leave |write )?(?:a |your )?(?:new )?(?:comment|post|reply)\b.*"
        r"|show more|load more|mehr laden|voir plus"
        r"|(?:sign ?in|log ?in) (?:with|via|using) [\w.+-]+(?: [\w.+-]+)?"  # "Sign in with GitHub": the box's login
        # "Load more" in de/fr/es/pt/it/nl/ar: "Weitere Postings laden", "Voir plus de réactions", "Cargar más
        # comentarios", "Ver mais comentários", "Carica altri commenti", "Meer reacties laden", "عرض المزيد"
        r"|(?:mehr|weitere)(?: kommentare| postings| beiträge| antworten)? (?:laden|anzeigen)"
        r"|(?:voir|afficher|charger) plus(?: de (?:commentaires|réactions|réponses))?"
        r"|(?:cargar|ver|mostrar) más(?: comentarios| respuestas)?|(?:ver|carregar|mostrar) mais(?: comentários| respostas)?"
        r"|(?:carica|mostra|vedi) altri(?: commenti| \d+ commenti)?|(?:meer|alle)(?: reacties)? (?:laden|tonen|bekijken)"
        r"|toon meer(?: reacties)?|(?:عرض|تحميل) المزيد(?: من التعليقات)?"
        # ... and in id, tr, sv, da / no, fi, cs: "Lihat semua komentar", "Tüm yorumları göster"
        r"|lihat semua komentar|muat lebih banyak(?: komentar)?|tüm yorumları göster|daha fazla yorum(?: göster| yükle)?"
        r"|visa (?:alla|fler) kommentarer|vis (?:alle|flere) kommentarer|näytä (?:kaikki|lisää) kommentit"
        r"|zobrazit (?:všechny|další) komentáře"
        # "See all comments" in pt, es, fr, de, it, nl
        r"|(?:ver|mostrar) todos (?:os comentários|los comentarios)|(?:voir|afficher) tous les commentaires"
        r"|alle kommentare (?:anzeigen|lesen|ansehen)|(?:vedi|mostra|leggi) tutti i commenti|alle reacties (?:bekijken|tonen|lezen)"
        r"|login with your username.*|forgot your (?:username|password).*"
        r"|(?:username|password|nickname):?.{0,40}(?:password|username)?:?|deine e-mail-adresse wird nicht veröffentlicht.*"
        r"|votre adresse (?:e-?mail|de messagerie) ne sera pas publiée.*|view (?:the )?entire discussion.*"
        # Arabic: add / leave a comment, send, no comments yet, comments are the writers' own view
        r"|[إا]رسال(?: التعليق)?|لا توجد تعليقات.*|كن [أا]ول من يعلق.*"
        r"|التعليقات تعبر عن.*",
    ),
    (
        "cookie notice",
        r"(?:en poursuivant votre navigation|we use cookies|this (?:site|website) uses cookies|by continuing to (?:use|browse)"
        r"|accept (?:all )?cookies|cookie (?:policy|settings|preferences)|diese website verwendet cookies).*",
    ),
    (
        "site chrome",
        r"print options:?|cancel|close|menu|search|home|log ?in|log ?out|sign ?in|register|previous|next|previous post:?.*"
        r"|next post:?.*|post navigation|view my complete profile|proudly powered by.*|powered by \w+.*|all rights reserved.*|©.*|copyright\b.{0,120}"
        r"|جميع الحقوق محفوظة.*|الرئيسية"
        # A comment widget's logo link alone on its line, under the thread ("Commento", "Disqus").
        r"|commento|disqus|giscus|utterances|remark42|hyvor talk|cusdis|talkyard|viafoura"
        # A site's footer line: its name, then the reservation ("The River Gazette. All rights reserved.").
        r"|[^.!?\n]{1,60}[.,]\s+(?:all rights reserved|todos os direitos reservados|tous droits réservés"
        r"|alle rechte vorbehalten|todos los derechos reservados|tutti i diritti riservati"
        r"|alle rechten voorbehouden)\.?"
        r"|terms (?:of (?:use|service)|and conditions)|privacy policy|contact us|about us|tags?:.{0,80}|filed under:?.{0,80}"
        r"|posted in\b.{0,80}|categories:?.{0,80}|permalink|image|photo|thumbnail|\[[^\]]{0,40}\]"
        # A breadcrumb trail: "You are here: Home » Design » (the headline)".
        r"|(?:you are here|sie sind hier|vous êtes ici|usted está aquí|sei qui)\s*:.{0,200}"
        # An image slot labelled with its aspect ratio or size: "16x9 Image", "640×480 photo".
        r"|\d{1,4}\s*[x×:]\s*\d{1,4}\s+(?:image|photo|picture|video|thumbnail|graphic)s?"
        # A <noscript> notice in place of a script's widget: "Please enable JavaScript to view the comments
        # powered by Disqus.", "JavaScript must be enabled to use this widget."
        r"|(?:please,? |por favor,? |per favore,? )?(?:enable|turn on|activate|switch on|habilita|habilite|activa|active"
        r"|abilita) (?:your |el |il )?javascript\b.*|(?:bitte )?aktivieren sie javascript\b.*|bitte aktiviere javascript\b.*"
        r"|veuillez activer (?:le )?javascript\b.*|activez (?:le )?javascript\b.*"
        r"|javascript (?:is |must be |ist |est |está )?(?:required|disabled|not enabled|turned off|needed|enabled"
        r"|deaktiviert|erforderlich|désactivé|requis|deshabilitado|desactivado)\b.*",
    ),
]
# A site's footer notices, sentence-long and often after other words, so searched (not in the tables),
# in lines holding one of _SITE_NOTICE_WORDS: the external-links disclaimer ("BBC © 2012 The BBC is not
# responsible for the content of external sites.") and the old-browser notice ("This page is best viewed
# in an up-to-date web browser ...", its tail wrapped onto a line of its own: "full visual experience.
# Please consider upgrading your browser ..."). Under a short article they had taken its place (Dragnet
# 268 in w3m).
_SITE_NOTICE_WORDS = ("responsible", "browser", "best viewed")
_SITE_NOTICE_IN_LINE = re.compile(
    r"\bis not responsible for the content of external\b|\bplease (?:consider )?upgrad(?:e|ing) your (?:web )?browser\b"
    r"|^this (?:page|site|website) is best viewed (?:in|with|using)\b",
    re.I,
)
# A blog engine's post footer under the article (WordPress themes' "This entry was posted on ... You
# can follow any responses to this entry through the RSS 2.0 feed.", "Bookmark the permalink.", and
# TypePad's "You can follow this conversation by subscribing to the comment feed ...") in the
# languages themes ship in: a template, never the article, and often longer than the tables read (one
# line in inscriptis). Matched at the line's start only (a pingback quoting it in a comment stays), and
# only on lines opening with one of _POST_FOOTER_OPENINGS (lower-cased): a cheap pre-test.
_POST_FOOTER_OPENINGS = (
    "this entry", "this was written", "this post was", "bookmark the", "follow any", "you can follow",
    "feed you can follow",
    "rss feed for", "post a comment or", "or trackback", "or leave a trackback", "dieser eintrag",
    "dieser beitrag", "cette entrée", "esta entrada", "questa voce", "dit bericht",
)  # fmt: skip
_POST_FOOTER = re.compile(
    r"(?:this entry was (?:posted|written|filed)|this was written by|this post was (?:posted|written) (?:on|in|by))\b"
    r"|bookmark the permalink\b|(?:you can )?follow any (?:responses|comments) (?:to this (?:entry|post)|here)\b"
    r"|(?:feed )?you can follow this conversation by subscribing to the comment feed\b"
    r"|rss feed for comments on this post\b|(?:post a comment or |or )leave a trackback\b"
    r"|or trackback from your own site\b"
    r"|dieser (?:eintrag|beitrag) wurde\b.{0,120}\b(?:veröffentlicht|abgelegt)|cette entrée a été publiée\b"
    r"|esta entrada (?:fue|foi) publicada\b|questa voce è stata pubblicata\b|dit bericht (?:is|werd) geplaatst\b",
    re.I,
)
# Matched on whole lines (fullmatch), trying only the phrases that can start with the line's first
# character (rxswitch.py): the same match as one regex of every phrase, a few times faster.
_FURNITURE_RX = FirstCharRx("", [(f"f{i}", split_top(rx)) for i, (_, rx) in enumerate(_FURNITURE)], re.I)
_FURNITURE_REASON = {f"f{i}": reason for i, (reason, _) in enumerate(_FURNITURE)}
# Furniture that can be a long sentence (matched at the start of prose-length lines only).
_LONG_FURNITURE_RX = FirstCharRx(
    "",
    [
        (f"f{i}", split_top(rx))
        for i, (reason, rx) in enumerate(_FURNITURE)
        if reason in {"cookie notice", "comment form"}
    ],
    re.I,
)
# A comment form's own lines whichever table reads them first ("Email" is a share button too) ...
_COMMENT_FORM_RX = FirstCharRx(
    "", [("form", split_top(rx)) for reason, rx in _FURNITURE if reason == "comment form"], re.I
)
# ... and WordPress's allowed-tags notice under its text box, in the languages its themes ship in.
_ALLOWED_TAGS = re.compile(
    r"you may use these html tags|du kannst folgende html-tags|vous pouvez utiliser ces balises"
    r"|puedes usar las siguientes etiquetas|puoi usare questi tag|você pode usar estas tags|je kunt deze html",
    re.I,
)
# What an empty thread shows right under its comment heading (misses.py), in the languages the comment
# form table covers. (They overlap that table, which says only that a line is no article text.) Its
# count stated as none, or its own notice: "There are no comments for this journal entry.", "Be the
# first to comment!", "0 comments have been made.", "The comments to this entry are closed.", "none" ...
EMPTY_THREAD_NOTICE = re.compile(
    rf"(?:there (?:are|is) )?(?:{_ZERO_COMMENTS}|(?:no|0|zero) (?:(?:user |reader )comments|responses|replies))\b.*"
    r"|be the first(?: one)? to\b.*"
    r"|(?:the )?comments?(?: (?:to|on|for) this (?:entry|post|article|story|page))? (?:are|is|have been) (?:now )?closed\b.*"
    r"|aucun commentaire.*|(?:soyez|sois) (?:le premier|la première) à\b.*|les commentaires sont fermés.*"
    r"|(?:noch )?keine kommentare.*|sei (?:der|die) erste\b.*|(?:die )?kommentare sind geschlossen.*"
    r"|(?:todavía |aún )?no hay comentarios.*|sé el primero en\b.*|(?:ancora )?nessun commento.*"
    r"|sii il primo a\b.*|(?:ainda )?(?:não há|sem) comentários.*|seja o primeiro a\b.*"
    r"|(?:nog )?geen reacties.*|wees de eerste\b.*|لا توجد تعليقات.*|كن [أا]ول من يعلق.*"
    # The count spelt out as a word alone on its line under the heading: "Comments" / "none".
    r"|none\.?|aucun\.?|keine\.?|ninguno\.?|nessuno\.?|nenhum\.?|geen\.?|لا يوجد",
    re.I,
)
# ... or the comment form itself (_FORM_OWN), or a text box ("[        ]" in w3m). Not a script's
# "Loading comments...", a "View comments" link or a widget's button ("Add a Comment with Facebook"):
# those stand where a thread is, or loads.
COMMENT_FORM_OPENING = re.compile(
    rf"(?!.*\b(?:facebook|disqus|livefyre|google|twitter)\b)(?:{_FORM_OWN})|{_FIELD_LABEL}"
    # (a site's search box is a text box too: the sidebar, not the form)
    r"|(?!.*\b(?:search|suche|suchen|recherche|rechercher|buscar|cerca|pesquisar|zoeken)\b).{0,40}\[[^\]]{0,40}\s{3,}\].*",
    re.I,
)

# Per-comment chrome: action links and counters that sit inside a comment block.
_CHROME_ALTS = (
    rf"in reply to(?:\s+{REPLY_NAME})?|"  # a reader's sentence opening so stays text
    r"reply|replies|antworten|antwort|répondre|repondre|rispondi|responder|report|report abuse|flag|رد|إبلاغ|ابلاغ"
    r"|like|likes|dislike|upvote|downvote|vote up|vote down|recommend|permalink|link|parent|reply to this"
    r"|write a reply|add a reply"  # the reply box's button under each thread (giscus)
    r"|continue this thread|load more replies|more replies|show replies|hide replies|view replies?|edit|delete"
    # (with the count between, as Spanish and Portuguese widgets print it: "Ocultar 2 respuestas")
    r"|(?:masquer|afficher|voir) (?:les )?(?:\d+ )?réponses|(?:\d+ )?antworten (?:ausblenden|anzeigen)"
    r"|(?:ocultar|ver|mostrar) (?:las )?(?:\d+ )?respuestas"
    r"|(?:nascondi|mostra) (?:le )?(?:\d+ )?risposte|(?:ocultar|ver|mostrar) (?:as )?(?:\d+ )?respostas"
    r"|share|signaler(?: un abus)?|melden|rate this|homepage|journal|profile|follow|unfollow|block|quote|zitieren"
    r"|citer|report this comment.*|link to this.*|signaler ce commentaire.*|level \d+"
    # SMF's post bar, with the poster's "logged" or presence after the IP icon
    r"|(?:report to (?:a )?moderator|reportar al moderador|dem moderator melden|signaler (?:au|à un) modérateur)"
    r"(?:\s+\[ip\])?(?:\s+(?:logged|en línea|desconectado|online|offline|gespeichert|connecté|déconnecté))?|logged"
    r"|find|pm"  # MyBB's post bar: the poster's posts, a private message
    r"|view profile|ver perfil|voir le profil|profil anzeigen|visualizza profilo"  # a poster's profile link
    r"|reply with quote|multi-?quote(?: this message)?|quick reply|quote reply|#\d{1,7}"
    r"|(?:comment|kommentar|commentaire|commento|comentario)\s*(?:number|no\.?|nr\.?|n°|#)\s*\d{1,7}\.?"
    r"|(?:view|show|see|load) (?:all )?\d+ (?:more )?repl(?:y|ies)|(?:posted )?(?:in )?reply to @?\S+|\(?edited\)?"
    r"|continue (?:the )?discussion\s*\d+ more repl(?:y|ies)"  # Discourse's footer: the thread goes on there
    r"|(?:flag|report) as inappropriate|thumbs? (?:up|down)\s*\d*|(?:like )?liked by \d+ (?:people|persons?|others?)"
    # A post's reactions summed up under it ("Janet_in_Leeds and 2 others", "Anna und 3 weitere").
    r"|\S.{0,60}? (?:and|und|et|y|e|en) \d{1,5} (?:others?|weitere|autres|otros|altri|outros|anderen)"
    r"|(?:please )?rate this(?: comment)?:?(?:\s+thumbs? (?:up|down)\s*\d*)+|click to rate\W{0,3}(?:\d+\W{0,3})?"
    r"|was this (?:comment |review )?helpful\?.{0,20}|your comment is awaiting moderation\.?|gefällt mir(?: \d+)?|me gusta|mi piace|j['’]aime"
    r"|löschen|bearbeiten|borrar|editar|eliminar|modifier|éditer|supprimer|modifica|elimina"
    r"|\d+\s+(?:réponses?|risposte|respuestas|respostas|reacties)"
    # a pick's badge on the comments the newsroom chose
    r"|(?:editors?['’]?s?|staff|readers?['’]?s?|critics?['’]?s?|nyt|guardian|times)\s+picks?|featured comment|top comment"
    r"|\d+ points?|[+-]?\d+|\(\s*\d+\s*\)|points|votes?|[·|:•*–—-]+|score:.*|\(score:.*\)|"
    r"(?:\d+\s+)?(?:reply|replies|like|likes)(?:\s*\|\s*\w+)*"
)
_CHROME_RX = FirstCharRx(r"(?:\d+\s*)?", [(None, split_top(_CHROME_ALTS))], re.I)
_CHROME_WORDS = frozenset(
    [
        "reply",
        "replies",
        "share",
        "report",
        "flag",
        "like",
        "likes",
        "dislike",
        "upvote",
        "downvote",
        "permalink",
        "link",
        "edit",
        "delete",
        "quote",
        "copy",  # Remark42's "Reply Copy Hide"
        "antworten",
        "antwort",
        "melden",
        "teilen",
        "zitieren",
        "répondre",
        "repondre",
        "signaler",
        "partager",
        "citer",
        "j'aime",
        "beantwoorden",
        "reageren",
        "citeren",
        "rapporteren",
        "responda",
        "citar",
        "denunciar",
        "citare",
        "gosto",
        "curtir",
        "respect",
        "rispondi",
        "segnala",
        "responder",
        "compartir",
        "vote",
        "votes",
        "point",
        "points",
        "recommend",
        "parent",
        "thread",
        "collapse",
        "expand",
        "hide",
        "show",
        "more",
        "less",
        "follow",
        "unfollow",
        "block",
        "mute",
        "tweet",
        "facebook",
        "twitter",
        "email",
        "print",
        "embed",
        "save",
        "award",
        "give",
        "source",
        "context",
        "translate",
        "helpful",
        "unhelpful",
        "upvoted",
        "downvoted",
        "modifier",
        "éditer",  # Isso's French "Edit"
        "supprimer",
        "löschen",
        "bearbeiten",
        "borrar",
        "editar",
        "eliminar",
        "j’aime",
        "button",  # lynx's "(BUTTON)" mark
        # Session 20: Dutch, Arabic and German buttons and counters ("Reageer · Melden · 👍 14",
        # "رد | إبلاغ | إعجاب 5", "14 Empfehlungen"); "Mi piace" / "Me gusta" are one word here too.
        "reageer",
        "antwoorden",
        "رد",
        "إبلاغ",
        "ابلاغ",
        "إعجاب",
        "اعجاب",
        "empfehlungen",
        "empfehlung",
        # Session 38: more of the same rows ("Antworten Melden Empfehlen 14", "أعجبني (9) رد إبلاغ",
        # "Odpowiedz Zgłoś", "Ответить Пожаловаться", "Condividi").
        "empfehlen",
        "أعجبني",
        "اعجبني",
        "مشاركة",
        "odpowiedz",
        "zgłoś",
        "udostępnij",
        "ответить",
        "пожаловаться",
        "поделиться",
        "condividi",
        "partilhar",
        "delen",
        "[–]",
        "[+]",
        "[-]",
        # Session 40: Indonesian, Turkish, Swedish, Danish / Norwegian, Finnish, Czech, Romanian and
        # Hungarian rows ("Suka (45) · Balas · Laporkan", "Beğen 64 Yanıtla Şikayet et", "Gilla 23 Svara").
        "suka",
        "balas",
        "laporkan",
        "bagikan",
        "beğen",
        "yanıtla",
        "yanitla",
        "paylaş",
        "gilla",
        "svara",
        "anmäl",
        "dela",
        "svar",
        "rapporter",
        "vastaa",
        "tykkää",
        "ilmoita",
        "odpovědět",
        "nahlásit",
        "sdílet",
        "răspunde",
        "raportează",
        "apreciază",
        "válasz",
        "tetszik",
        "bewertung",  # "Bewertung: +12 Antworten | Zitieren" (a German forum's post bar)
        # Session 41: Greek, Hebrew, Persian, Hindi, Vietnamese, Malay, Tagalog, Croatian, Slovak, Catalan,
        # Romanian, Ukrainian, Danish, Swahili rows ("Απάντηση · Μου αρέσει (7) · Αναφορά", "הגיבו 👍 3",
        # "پاسخ ۴۲ 👍", "Balas Padam", "Tumugon", "Sviđa mi se · Odgovori", "Odpovedať", "Respon").
        "απάντηση",
        "αναφορά",
        "κοινοποίηση",
        "הגיבו",
        "הגב",
        "השב",
        "דיווח",
        "שתפו",
        "پاسخ",
        "گزارش",
        "جواب",
        "रिपोर्ट",
        "thích",
        "padam",
        "balasan",
        "kongsi",
        "tumugon",
        "sumagot",
        "odgovori",
        "prijavi",
        "podijeli",
        "odpovedať",
        "nahlásiť",
        "zdieľať",
        "respon",
        "respondre",
        "distribuie",
        "відповісти",
        "поскаржитися",
        "поділитися",
        "anmeld",
        "jibu",
        "ripoti",
        "erre",  # Hungarian "Válasz erre" (reply to this)
    ]
)
# A commenter's role badge as comment widgets print it, beside the name or on a line of its own between
# the name and the date (Coral's "Staff", Disqus's "Mod", Discourse's "Staff team", giscus's "Owner").
ROLE_BADGE = (
    r"(?:Staff(?: team)?|Moderator|Mod|Admin|Administrator|Site Admin|Author|Editor|Verified|Subscriber"
    r"|Owner|Contributor|Collaborator|Top Commenter|Top fan|OP)"  # (OP: the thread's original poster)
)
_ROLE_LINE = re.compile(ROLE_BADGE)
# "Like" in two words: German, Spanish, Italian, Greek, Croatian (the line's first action in the Facebook
# plugin); also "Reply" in two (Vietnamese, Hindi).
_LIKE_PHRASES = ("gefällt mir", "me gusta", "mi piace", "μου αρέσει", "sviđa mi se", "trả lời", "जवाब दें")
_LIKE_PHRASE = re.compile(r"\b(?:" + "|".join(_LIKE_PHRASES) + r")(?!\w)", re.I)
_LIKE_FIRST = frozenset(p[0] for p in _LIKE_PHRASES)
# "Report abuse" in several words: one action ("Répondre · Signaler un abus" is an action row).
_REPORT_PHRASE = re.compile(
    r"\b(?:report abuse|signaler un abus|missbrauch melden|denunciar abuso|segnala(?:re)? abuso)\b|şikayet et\b"
    r"|דיווח על תוכן פוגעני|báo vi phạm|i-report",
    re.I,
)
# (with a "more actions" menu's dots: "Like (41) Reply Share ⋯", "Reply ⋮")
_CHROME_SPLIT = re.compile(r"[\s•·∙|/›»‹«()\[\]+\-–—−:▲▼△▽▾▴↑↓⬆⬇⇧⇩👍👎…⋯⋮]+")  # (− U+2212: "+34 −2")


# Where glued buttons meet: a capital after a small letter ("ReplyShare"), or a count between two
# ("Recommend 412ReplyShareFlag", "Reply48Share").
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=\d)(?=[A-Z])|(?<=[a-z])(?=\d)")
LYNX_BUTTON = "(BUTTON)"


# Glued buttons ("ReplyShareReport") are short; an action row holds at most this many tokens, and
# its first two words (within the first 20 characters) tell it cheaply.
_MAX_GLUED_CHROME_CHARS = 60
_MAX_CHROME_TOKENS = 8
_CHROME_HEAD_CHARS = 20


def _all_chrome_tokens(core: str) -> bool:
    """ "Reply • Share ›", "Like (3) | Report": only action words, counts and separators. Buttons
    without whitespace between them reach text dumps glued ("ReplyShareReport"): split at the case."""
    if len(core) <= _MAX_GLUED_CHROME_CHARS and _CAMEL.search(core):
        core = _CAMEL.sub(" ", core)  # also beside a count: "Respect 4 ReplyShare Report" (Coral)
    elif core[:1].lower() in _LIKE_FIRST and _LIKE_PHRASE.match(core):
        core = _LIKE_PHRASE.sub("like", core)  # "Gefällt mir · Antworten": one action in two words
    head = _CHROME_SPLIT.split(core[:_CHROME_HEAD_CHARS].lower(), maxsplit=2)
    h0 = head[0]
    if not (
        h0 in _CHROME_WORDS
        or h0.isdigit()
        or (len(head) > 1 and (head[1] in _CHROME_WORDS or head[1].isdigit()))
    ):
        return False  # cheap exit: neither of the first two words is an action word
    # "Rispondi | Segnala | Mi piace 8": the two-word "like" anywhere in the row.
    tokens = [
        t
        for t in _CHROME_SPLIT.split(_LIKE_PHRASE.sub("like", _REPORT_PHRASE.sub("report", core.lower())))
        if t
    ]
    # lynx marks each <button> "(BUTTON)": a mark is an action of its own, not one more word.
    words = len(tokens) - tokens.count("button") if LYNX_BUTTON in core else len(tokens)
    return (
        len(tokens) > 0
        and words <= _MAX_CHROME_TOKENS
        and all(t in _CHROME_WORDS or t.isdigit() for t in tokens)
    )


# Vote counters before an action ("↑ 1204 ↓ 88 Click to rate"): arrows or thumbs, each with its count.
_VOTE_COUNTS = re.compile(r"^(?:[↑↓▲▼⬆⬇⇧⇩👍👎+\-−]\s*\d{1,7}\s*)+")
_ROW_SEPARATOR = re.compile(r"\s+[·|•]\s+")
# An action row in pieces holds at most this many.
_MAX_ROW_PIECES = 6


def chrome_pieces(core: str) -> bool:
    """ "↑ 1204 ↓ 88 Click to rate · Reply · Report abuse": a row of separated actions, each piece
    alone a chrome line (a phrase of several words, such as "Click to rate", as well as a button)."""
    if "·" not in core and "|" not in core and "•" not in core:
        return False  # (most lines: no separator, no split)
    pieces = _ROW_SEPARATOR.split(core)
    if not 2 <= len(pieces) <= _MAX_ROW_PIECES:
        return False
    for piece in pieces:
        piece = _VOTE_COUNTS.sub("", piece).strip()
        if piece and not (_CHROME_RX.fullmatch(piece) or _all_chrome_tokens(piece)):
            return False
    return True


# Who reacted to a post, under it: "👍 Kale_Crusader, guppygrandad", "❤️ Liked by Hannah Osei-Lindqvist",
# "👍 Ann and 3 others" (XenForo, Substack). One name alone must read as one (capitalised, or a login with a
# digit or "_"), so "👍 agreed" stays a reader's words.
_REACTION_MARKS = "👍❤♥😂😆😮😢😡👏🔥🙏"
_HANDLE = r"[\w@][\w.'’-]*"
_ONE_NAME = r"(?:[A-ZÀ-ÞА-Я][\w.'’-]*(?:\s+[A-ZÀ-ÞА-Я][\w.'’-]*){0,2}|[\w@]*[\d_][\w.'’-]*)"
REACTIONS = re.compile(
    rf"(?:[{_REACTION_MARKS}]\ufe0f?\s*)+(?:"
    rf"(?i:liked by|reacted:?)\s+\S.{{0,60}}"
    rf"|{_HANDLE}(?:,\s*{_HANDLE}){{1,5}}(?:,?\s+(?:and|und|et|y)\s+\d+\s+\w+)?"
    rf"|{_ONE_NAME}(?:\s+(?:and|und|et|y)\s+\d+\s+\w+)?)"
)


# A table layout's bullet cell glued to the text ("*             Please do not post..."): layout.
_GAP_BULLET = re.compile(r"^(?:[*•◦▪·-]|\[[^\]\s]{1,12}\])\s{3,}(?=\S)")
_TRAILING_CHROME = re.compile(r"(?<=[\w.!?)\"”’])(?:Report|Reply|Antworten|Répondre)$")

# Comment section openers: headings and counters. Group "n" is a declared count when present. (w3m draws a
# count in <sup> as "^15": "Комментарии ^15".)
# A stated count, with its thousands separated or not ("3,412 Comments", "1.204 Kommentare", "3 412
# commentaires"); never the tail of one ("412" of "3,412").
_COUNT = r"(?<!\d)(?<!\d[,.])(?:\d{1,3}(?:[,. \u00a0\u202f]\d{3})+(?!\d)|\d{1,6})"
_NUM_WORDS = rf"(?P<n>{_COUNT})|(?P<w>one|two|three|four|five|six|seven|eight|nine|ten|no|zero)"
_COMMENT_WORDS = (
    r"(?:comments?|responses?|replies|reactions?|thoughts?|commentaires?|réactions?|kommentare?|reaktionen?"
    r"|antworten|reacties?|commenti|commento|comentarios?|comentários?|respuestas?|risposte|respostas?|kommentarer"
    r"|gedanken|réflexions?|pensamientos|opiniones|pensieri"
    r"|discussion|discusión|discussione|discussão|ergänzungen|leserbriefe"
    r"|diskussion|discussie|reações|reacciones|reazioni"  # news sites' headings for their discussion
    # Arabic: comments (with and without the article), replies, readers' opinions
    r"|التعليقات|تعليقات|تعليق|الردود|ردود|آراء القراء|اراء القراء"
    # Polish, Czech, Russian, Ukrainian, Turkish, in their plural and counted forms
    r"|komentarz(?:e|y)?|komentáře|komentářů|komentář|комментари(?:и|ев|й|я)|коментар(?:і|ів)|yorum(?:lar)?"
    # Indonesian and Malay, Finnish, Hungarian, Romanian
    r"|komentar|kommentit?|kommenttia|hozzászólás(?:ok)?|comentarii"
    # Greek, Hebrew, Persian, Hindi, Vietnamese, Malay, Tagalog, Croatian, Slovak, Catalan, Czech ("83
    # příspěvků", posts), Swahili
    r"|σχόλια|σχόλιο|תגובות|תגובה|نظرات|نظر|دیدگاه‌ها|دیدگاه|टिप्पणियाँ|टिप्पणियां|टिप्पणी|bình luận|ý kiến"
    r"|ulasan|mga komento|komento|tugon|komentari|komentara|komentáre|komentárov|komentár|comentaris|comentari"
    r"|příspěvků|příspěvky|příspěvek|maoni|kommentek|komment"
    # Chinese, Japanese, Korean
    r"|条评论|條評論|评论|評論|则留言|則留言|留言|コメント|댓글)"
)
# Without a count, only these words make a heading ("Comments", "Kommentare"): "Reply" or "Antworten" do not.
_SECTION_WORDS = (
    r"(?:comments?|commentaires|kommentare|reader comments|réactions|discussion|leserkommentare|comentarios"
    r"|comentários|commenti|reacties|kommentarer|التعليقات|تعليقات القراء|آراء القراء|اراء القراء"
    r"|diskussion|discusión|discussione|discussão|discussie|komentarze|komentáře|комментарии|коментарі|yorumlar"
    r"|komentar|kommentit|hozzászólások|comentarii"
    r"|σχόλια|תגובות|نظرات|دیدگاه‌ها|टिप्पणियाँ|टिप्पणियां|bình luận|ý kiến|ulasan|mga komento|komentari"
    r"|komentáre|comentaris|diskuse|diskusia|rasprava|maoni|kommentek"
    r"|conversation"  # Viafoura's and OpenWeb's "Conversation (6)"
    r"|评论|評論|全部评论|コメント|댓글)"
)
_OPENER_ALTS = (
    rf"(?:there (?:are|is)\s+)?(?:{_NUM_WORDS})\s+(?:na\s+)?{_COMMENT_WORDS}(?!\w)(?:\s+(?:on|to|zu|sur|à|so far|for|in|en|a|sobre|über|su|em|op|k|ku|sa|na|za|pe|la|σε|στο)\b.*|\s*:)?"
    # ... and a link after a dash: "one comment – permalink", "5 Comments - Add yours"
    r"(?:\s+[–—-]\s+\w+(?:\s+\w+)?)?"
    rf"|(?:all |reader |readers' |user |visitor |latest |featured |top |best |highlighted |\d+ )?{_SECTION_WORDS}\s*[:(\[^]?\s*(?P<n2>{_COUNT})?\s*[)\]]?\s*:?"
    rf"|{_COMMENT_WORDS}\s+(?:on|to|zu|sur)\b.{{0,160}}|{_COMMENT_WORDS}\s*[(\[](?P<n3>{_COUNT})[)\]]\s*:?"
    # "Diskuse k článku (83 příspěvků)": the heading, a few words, and its count with the posts' word
    rf"|{_SECTION_WORDS}(?:\s+\w+){{1,3}}\s*[(\[](?P<n6>{_COUNT})\s+{_COMMENT_WORDS}[)\]]\s*:?"
    r"|(?:what (?:do )?(?:you|readers) (?:think|say)|vos réactions|ihre meinung|leserkommentare|discussion)\W*"
    r"|discussion about this (?:post|article|story|episode|video)\W*"  # Substack's heading
    r"|forum zum (?:artikel|thema|beitrag)\W*"  # German tech news sites' comment forums
    # Discourse's embed: "Continue Discussion 9 replies" (its button to the forum, then the count).
    rf"|continue (?:the )?discussion\s+(?P<n5>{_COUNT})\s+(?:replies|posts|comments)"
    # Drupal's comment module heads every thread with its display options.
    r"|comment viewing options"
    # "What readers said (4)", "What our readers think", "Readers respond": a heading naming readers' words.
    r"|(?:what (?:our |other )?(?:you|readers|visitors|users|people) (?:think|say|said|wrote|thought)"
    r"|(?:our )?readers(?:'|’)? (?:say|said|wrote|respond|responses|views|reactions|letters))"
    rf"\s*(?:[(\[](?P<n4>{_COUNT})[)\]])?\W*"
)
_OPENER_RX = FirstCharRx("", [(None, split_top(_OPENER_ALTS))], re.I)
# A count heading glued to the next element in a text rendering: "1 CommentNo Reactions", "5 CommentsLeave a
# reply". The comment word must end where a capital letter starts (case-sensitive), else "3 commentsxyz".
_GLUED_COUNT = re.compile(rf"(?P<n>{_COUNT})\s+{_COMMENT_WORDS}(?-i:(?=[A-Z]))\S.{{0,60}}", re.I)
_COUNT_ONLY = re.compile(rf"(?:.{{0,80}}[|·•,]\s*)?(?P<n>{_COUNT})\s+{_COMMENT_WORDS}\s*$", re.I)
# A thread counted in two parts ("6 comments · 3 replies", giscus): the declared count is their sum.
_TWO_PART_COUNT = re.compile(
    rf"(?P<a>{_COUNT})\s+{_COMMENT_WORDS}\s*[|·•,]\s*(?P<b>{_COUNT})\s+(?:replies|antworten|réponses|respuestas|risposte)\s*",
    re.I,
)
# A count inside a short line: "{ 14 comments… read them below or add one }", "Comments (3)", "[3]".
_COUNT_ANY = re.compile(
    rf"(?<![\w.,])(?P<n>{_COUNT})\s+{_SECTION_WORDS}\b|\b{_SECTION_WORDS}\s*[(\[](?P<n2>{_COUNT})[)\]]",
    re.I,
)
_WORD_NUMS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
              "ten": 10, "no": 0, "zero": 0}  # fmt: skip

# Session 41's "says" words and phrases: Slovak, Czech, Croatian, Romanian, Hungarian, Danish, Finnish,
# Malay, Greek, Ukrainian, Catalan, Tagalog ("Zuzka z Martina povedal:", the classic WordPress line in
# those languages). The cue lists and _SAYS_LINE both read them.
_MORE_SAYS_WORDS = (
    "povedal", "povedala", "napísal", "napísala", "napsal", "napsala", "kaže", "spune", "írta", "siger",
    "skriver", "sanoo", "berkata", "λέει", "έγραψε", "пише", "каже",
)  # fmt: skip
_MORE_SAYS_PHRASES = ("ha dit", "a spus", "ay nagsabi")
# A name line (the line above a date line in two-line headers) and explicit comment cues.
_SAYS_WORDS = [
    "says",
    "said",
    "sagt",
    "schreibt",
    "schrieb",
    "écrit",
    "dit",
    "wrote",
    "writes",
    "schreef",
    "zei",
    "scrive",
    "escribió",
    "escribio",
    "escreveu",
    "disse",
    "dijo",
    "comentó",
    "comentou",
    *_MORE_SAYS_WORDS,
]
_CUE_PHRASES = [
    "a écrit",
    "posted by",
    "geschrieben von",
    "ha detto",
    "ha scritto",
    *_MORE_SAYS_PHRASES,
]
# One prefix tree per word list: these are searched on most short lines (see dates.trie_rx).
_CUE_RX = re.compile(
    r"\b" + trie_rx([*_SAYS_WORDS, *_CUE_PHRASES, "von", "par", "by"]) + r"\b\s*:?",
    re.I,
)
# "Dorothy P.", "سارة م.": an initial, not a sentence end (a capital, or a letter of a script without case)
# (Latin with its extensions, Greek, Cyrillic, Hebrew and Arabic capitals: "Ewa Ł.", "Ελένη Σ.")
_FINAL_INITIAL = re.compile(r"(?:^|\s)[A-ZÀ-ÖØ-Þ\u0100-\u017f\u0386-\u03abА-ЯЁ\u0590-\u06ff]\.$")
_SENTENCE_END = re.compile(r"[.!?…;\"”“»)]\s*$")
_SENTENCE_END_CHARS = frozenset('.!?…;"”“»)')


def _ends_sentence(text: str) -> bool:
    """`_SENTENCE_END.search(text)`, without the regex scanning every position of a long text: the
    last character that is not a space ends a sentence (\\s and str.isspace are the same set)."""
    last = text[-1:]
    if last.isspace():
        last = text.rstrip()[-1:]
    return last in _SENTENCE_END_CHARS


# Leading markers (bullets, quote marks, list numbers, [image] placeholders; not the day of "12. März" or
# "12. 3. 2024") taken per match: `re` keeps
# ~300 bytes of backtracking state per repeat of a group, so `(?:...)+` over a line of 10 million "> "
# (a 20 MiB page) took 2.4 GB; chunks of this many repeats in a loop read the same, in bounded memory.
_MARKER_CHUNK = 64
_LEAD_MARKERS = re.compile(
    rf"(?:[•*●◦▪‣·□■☐☆★○◆►▸+\-–—>]+\s*|(?-i:o)\s+(?=\S)|\(?\d{{1,4}}[.)]\s+(?!{MONTH_RX}\s|\d{{1,2}}\.\s\d{{4}})|\[[\w .:/+–-]{{0,40}}\]\s*|#\d+\s*){{1,{_MARKER_CHUNK}}}",
    re.I,
)


def strip_lead_markers(text: str) -> str:
    """`text` without its leading markers. None of the alternatives matches empty and nothing follows
    them, so greedy chunks read exactly as one greedy `(?:...)+` from the start did."""
    pos = 0
    while (m := _LEAD_MARKERS.match(text, pos)) is not None:
        pos = m.end()
    return text[pos:] if pos else text


_TOKEN = re.compile(r"\S+")
_PAREN_NUM = re.compile(r"\(#?\d+\)|\(#\d+\)|#\d+")
_FUNCTION_WORDS = frozenset(
    [
        "says",
        "said",
        "sagt",
        "schreibt",
        "schrieb",
        "écrit",
        "wrote",
        "writes",
        "dit",
        "posted",
        "by",
        "on",
        "at",
        "le",
        "la",
        "à",
        "am",
        "um",
        "uhr",
        "von",
        "par",
        "de",
        "from",
        "|",
        "·",
        "•",
        "-",
        "–",
        "—",
        ":",
        ",",
        "@",
        "said:",
        "says:",
        "sagt:",
        "écrit:",
        "wrote:",
        "by:",
        "posted:",
        "on:",
        "au",
        "le:",
        "a",
        "level",
        "points",
        "point",
        "ago",
        "edited",
        "homepage",
        "journal",
    ]
)
# An image's placeholder in a text dump: "[icon_delete]", "[100_4666]", "[c31]", "[photo]" (a name such
# as "[!v@n]" is none).
_IMAGE_PLACEHOLDER = re.compile(r"\[(?:[\w-]*[_\d][\w-]*|photo|image|img|avatar|icon|picture)\]", re.I)
# Particles inside a family name ("Jean-Luc de la Tour", "Pieter van den Berg", "Hans-Peter von der
# Heide", "Maria da Graça Costa", "Pierre-Yves Le Goff"): between two words of a name they add no word.
_NAME_PARTICLES = frozenset(
    [
        "de",
        "la",
        "le",
        "du",
        "des",
        "d'",
        "d’",
        "von",
        "vom",
        "zu",
        "der",
        "den",
        "van",
        "ter",
        "ten",
        "da",
        "das",
        "do",
        "dos",
        "di",
        "del",
        "della",
        "degli",
        "al",
        "el",
        "bin",
        "ibn",
        "y",
        "e",
    ]
)


def _name_words(words: list[str]) -> int:
    """How many words a name line holds, not counting the particles between its first and last word."""
    inner = sum(1 for w in words[1:-1] if w.casefold() in _NAME_PARTICLES)
    return len(words) - inner


_NAME_STRIP = " \t,;:|·•-–—@()[]«»\"'“”+*/"

_END_REASONS = {
    "form field",
    "comment form",
    "recommendations",
    "newsletter and subscription",
    "site chrome",
    "cookie notice",
    "site notice",
}
_MAX_HEADER_WORDS = 12
_MAX_NAME_WORDS = 5


_SAYS_LINE = re.compile(
    r"(?P<name>[^\s,;]+(?: [^\s,;]+){0,3})\s+(?:says|said|wrote|writes|dice|zegt|sagt|schreibt|schrieb|a écrit|écrit|dit|a dit|commented|replied|kommentierte|schreef|zei|ha detto|ha scritto|scrive|escribió|escribio|escreveu|disse|dijo|comentó|comentou|"
    + "|".join((*_MORE_SAYS_WORDS, *_MORE_SAYS_PHRASES))
    + r")\s*(?::|\.\.\.|…|,)",
    re.I,
)
_HAS_ALNUM = re.compile(r"\w")
_DECORATION = re.compile(r"[\s\-–—_=*•·●◦▪‣□■☐☆★○◆►▸|~#>+/\\\u2190-\u21ff\u2500-\u25ff\u2600-\u2606]+")
_HAS_DIGIT = re.compile(r"\d")
# Text-browser renderings of form fields: "Search for: [          ] [Search]".
# A comment policy: a sentence about comments and about rules, moderation or liability.
_COMMENT_WORD = re.compile(r"comment|kommentar|commentaire|posts?\b|contributions?|réaction", re.I)
_POLICY_WORD = re.compile(
    r"moderat|guideline|house rules|rules|policy|abusive|offensive|libel|violat|netiquette|opinions expressed"
    r"|respectful|règles|charte|richtlinien|nutzungsbedingungen|terms of (?:use|service)",
    re.I,
)
_FORM_FIELD = re.compile(r"\[\s{3,}\]|\[(?:search|submit|go|ok|send)\]", re.I)
_HAS_LETTER = re.compile(r"[^\W\d_]")
# What a comment's score counts ("12 points", "3 likes"): read off a header's name and skipped as a line
# of its own between the name and the stamp.
SCORE_WORDS = r"points?|likes?|votes?|upvotes?|pts"


# English prose has "the", "and", "of", "to" ... in about one word of five; a page where they are
# rarer than this is in another language (German, Spanish, Dutch prose: under 1 %).
_ENGLISH_SHARE = 0.05
_ENGLISH_SAMPLE_WORDS = 3000  # the page's first 3,000 words tell its language as well as all of them
_ENGLISH_WORDS = frozenset(
    ["the", "and", "of", "to", "is", "that", "with", "for", "was", "are", "this", "you", "it"]
)
_LATIN_WORD = re.compile(r"[^\W\d_]+")


def reads_english(lines: Sequence[Any]) -> bool:
    """Whether the page's text (classified lines: `.core`, `.furniture`) reads as English."""
    words = english = 0  # (counted, not listed: a 1 MB line of "a|a|..." holds half a million words)
    for ln in lines:
        if ln.furniture is None:
            for m in _LATIN_WORD.finditer(ln.core):
                words += 1
                english += m.group().lower() in _ENGLISH_WORDS
            if words >= _ENGLISH_SAMPLE_WORDS:
                break
    return words > 0 and english >= _ENGLISH_SHARE * words
