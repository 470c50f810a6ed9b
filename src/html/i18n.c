/* Messages of the pages in nl, fr, de, en; operator overrides; Accept-Language negotiation.
 * The built-in table is kept sorted by key (binary search; test_i18n checks the order) and
 * complete in all four languages (test_i18n checks that too). Message texts are plain text:
 * the template escapes them, so they never contain markup. */
#include "html/i18n.h"

#include <apr_file_io.h>
#include <apr_file_info.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

typedef struct msg_def_t {
    const char *key;
    const char *text[MND_LANG__N]; /* nl, fr, de, en */
} msg_def_t;

struct mnd_catalog_t {
    const msg_def_t *defs; /* sorted by key, same keys as builtin_msgs */
    size_t n;
};

/* {1}, {2}, ... are filled by mnd_msg_args; what each number means is noted per key. */
static const msg_def_t builtin_msgs[] = {
    {"basis.kbo",
     {"Als wettelijk vertegenwoordiger (KBO)", "En tant que représentant légal (BCE)",
      "Als gesetzlicher Vertreter (ZDU)", "As legal representative (CBE)"}},
    {"basis.mandate", {"Met een mandaat", "Avec un mandat", "Mit einem Mandat", "With a mandate"}},
    {"basis.right",
     {"Met een gebruikersrecht in de organisatie",
      "Avec un droit d'utilisateur dans l'organisation",
      "Mit einem Benutzerrecht in der Organisation", "With a user right in the organisation"}},
    {"basis.self",
     {"In eigen naam", "En votre nom propre", "In eigenem Namen", "In your own name"}},
    {"cancel.done",
     {"U hebt geen partij gekozen. U kunt dit venster sluiten of opnieuw beginnen.",
      "Vous n'avez choisi aucune partie. Vous pouvez fermer cette fenêtre ou recommencer.",
      "Sie haben keine Partei gewählt. Sie können dieses Fenster schließen oder neu beginnen.",
      "You did not choose a party. You can close this window or start again."}},
    {"cancel.title",
     {"Aanmelding afgebroken",
      "Connexion annulée",
      "Anmeldung abgebrochen",
      "Login cancelled"}},
    /* {1} the allowed actions, comma-separated */
    {"chooser.actions",
     {"Toegelaten handelingen: {1}", "Actions autorisées : {1}", "Erlaubte Handlungen: {1}",
      "Allowed actions: {1}"}},
    {"chooser.cancel", {"Annuleren", "Annuler", "Abbrechen", "Cancel"}},
    {"chooser.choose", {"Kiezen", "Choisir", "Auswählen", "Choose"}},
    /* {1} enterprise number */
    {"chooser.enterprise_number",
     {"Ondernemingsnummer {1}", "Numéro d'entreprise {1}", "Unternehmensnummer {1}",
      "Enterprise number {1}"}},
    /* {1} number of days (2 or more) */
    {"chooser.expires_in",
     {"verloopt over {1} dagen", "expire dans {1} jours", "läuft in {1} Tagen ab",
      "expires in {1} days"}},
    {"chooser.expires_in_one_day",
     {"verloopt over 1 dag", "expire dans 1 jour", "läuft in 1 Tag ab", "expires in 1 day"}},
    /* {1} service name */
    {"chooser.intro",
     {"Kies de persoon of organisatie voor wie u {1} wilt gebruiken.",
      "Choisissez la personne ou l'organisation pour laquelle vous souhaitez utiliser {1}.",
      "Wählen Sie die Person oder Organisation, für die Sie {1} nutzen möchten.",
      "Choose the person or organisation on whose behalf you want to use {1}."}},
    {"chooser.lead",
     {"Kies de persoon of organisatie voor wie u deze dienst wilt gebruiken.",
      "Choisissez la personne ou l'organisation pour laquelle vous souhaitez utiliser ce service.",
      "Wählen Sie die Person oder Organisation, für die Sie diesen Dienst nutzen möchten.",
      "Choose the person or organisation on whose behalf you want to use this service."}},
    /* {1} national register number, masked */
    {"chooser.national_number",
     {"Rijksregisternummer {1}", "Numéro de registre national {1}", "Nationalregisternummer {1}",
      "National register number {1}"}},
    {"chooser.next", {"Volgende", "Suivante", "Weiter", "Next"}},
    {"chooser.no_results",
     {"Geen resultaten voor uw zoekopdracht.", "Aucun résultat pour votre recherche.",
      "Keine Ergebnisse für Ihre Suche.", "No results for your search."}},
    {"chooser.nothing",
     {"U kunt bij deze dienst voor niemand handelen.",
      "Vous ne pouvez agir pour personne auprès de ce service.",
      "Sie können bei diesem Dienst für niemanden handeln.",
      "You cannot act on behalf of anyone at this service."}},
    /* {1} page number */
    {"chooser.page_n", {"Pagina {1}", "Page {1}", "Seite {1}", "Page {1}"}},
    {"chooser.pages", {"Pagina's", "Pages", "Seiten", "Pages"}},
    {"chooser.previous", {"Vorige", "Précédente", "Zurück", "Previous"}},
    {"chooser.recent",
     {"Recent gebruikt", "Utilisés récemment", "Zuletzt verwendet", "Recently used"}},
    {"chooser.search", {"Zoeken", "Rechercher", "Suchen", "Search"}},
    {"chooser.search_help",
     {"Naam, ondernemingsnummer of rijksregisternummer",
      "Nom, numéro d'entreprise ou numéro de registre national",
      "Name, Unternehmensnummer oder Nationalregisternummer",
      "Name, enterprise number or national register number"}},
    {"chooser.search_label",
     {"Zoek een persoon of organisatie", "Rechercher une personne ou une organisation",
      "Person oder Organisation suchen", "Search for a person or organisation"}},
    {"chooser.search_live",
     {"De lijst past zich aan terwijl u typt.", "La liste s'adapte pendant que vous tapez.",
      "Die Liste passt sich beim Tippen an.", "The list updates as you type."}},
    {"chooser.self",
     {"In eigen naam handelen", "Agir en votre nom propre", "In eigenem Namen handeln",
      "Act in your own name"}},
    {"chooser.suggested", {"Voorgesteld", "Suggestion", "Vorschlag", "Suggested"}},
    /* {1} capacities matching the search, {2} in all */
    {"chooser.summary",
     {"Gevonden: {1} van {2}.", "Trouvé : {1} sur {2}.", "Gefunden: {1} von {2}.",
      "Found: {1} of {2}."}},
    /* {1} capacities in all */
    {"chooser.summary_all",
     {"Mogelijkheden: {1}.", "Possibilités : {1}.", "Möglichkeiten: {1}.", "Choices: {1}."}},
    /* {1} page shown, {2} number of pages */
    {"chooser.summary_page",
     {"Pagina {1} van {2}.", "Page {1} sur {2}.", "Seite {1} von {2}.", "Page {1} of {2}."}},
    {"chooser.title",
     {"Voor wie handelt u?", "Pour qui agissez-vous ?", "Für wen handeln Sie?",
      "On whose behalf are you acting?"}},
    /* {1} the organisation through which a mandate reaches the person */
    {"chooser.via", {"via {1}", "via {1}", "über {1}", "via {1}"}},
    {"chooser.why_missing",
     {"Waarom ontbreekt een partij?", "Pourquoi une partie manque-t-elle ?",
      "Warum fehlt eine Partei?", "Why is a party missing?"}},
    /* {1} service name */
    {"error.back", {"Terug naar {1}", "Retour à {1}", "Zurück zu {1}", "Back to {1}"}},
    {"error.bad_request",
     {"Het formulier dat uw browser verstuurde, is onvolledig of ongeldig.",
      "Le formulaire envoyé par votre navigateur est incomplet ou invalide.",
      "Das von Ihrem Browser gesendete Formular ist unvollständig oder ungültig.",
      "The form your browser sent is incomplete or invalid."}},
    {"error.capacity_invalid",
     {"U kunt niet langer handelen voor deze partij: uw hoedanigheid is intussen niet meer "
      "geldig. Kies opnieuw.",
      "Vous ne pouvez plus agir pour cette partie : entre-temps, votre qualité n'est plus "
      "valable. Veuillez choisir à nouveau.",
      "Sie können nicht mehr für diese Partei handeln: Ihre Eigenschaft ist inzwischen nicht "
      "mehr gültig. Bitte wählen Sie erneut.",
      "You can no longer act on behalf of this party: your capacity is no longer valid. Please "
      "choose again."}},
    {"error.choice_not_offered",
     {"De gekozen partij stond niet in de aangeboden lijst.",
      "La partie choisie ne figurait pas dans la liste proposée.",
      "Die gewählte Partei war nicht in der angebotenen Liste.",
      "The chosen party was not in the list offered to you."}},
    {"error.csrf",
     {"Uw keuze kon niet worden bevestigd: het formulier is verlopen of werd van elders "
      "verstuurd. Kies opnieuw.",
      "Votre choix n'a pas pu être confirmé : le formulaire a expiré ou a été envoyé depuis "
      "un autre site. Veuillez choisir à nouveau.",
      "Ihre Auswahl konnte nicht bestätigt werden: Das Formular ist abgelaufen oder wurde von "
      "anderswo gesendet. Bitte wählen Sie erneut.",
      "Your choice could not be confirmed: the form has expired or was sent from elsewhere. "
      "Please choose again."}},
    {"error.internal",
     {"Er ging iets mis aan onze kant. Probeer het later opnieuw.",
      "Une erreur s'est produite de notre côté. Veuillez réessayer plus tard.",
      "Auf unserer Seite ist ein Fehler aufgetreten. Bitte versuchen Sie es später erneut.",
      "Something went wrong on our side. Please try again later."}},
    {"error.invalid_insz",
     {"De aanmeldingsdienst gaf een ongeldig rijksregisternummer door.",
      "Le service de connexion a transmis un numéro de registre national invalide.",
      "Der Anmeldedienst hat eine ungültige Nationalregisternummer übermittelt.",
      "The login service passed on an invalid national register number."}},
    {"error.method",
     {"Deze pagina kan niet op die manier worden opgevraagd.",
      "Cette page ne peut pas être demandée de cette manière.",
      "Diese Seite kann nicht auf diese Weise abgerufen werden.",
      "This page cannot be requested that way."}},
    {"error.no_capacity",
     {"U kunt voor deze dienst voor niemand handelen, ook niet in eigen naam. Bekijk waarom.",
      "Pour ce service, vous ne pouvez agir pour personne, ni en votre nom propre. Voyez pourquoi.",
      "Für diesen Dienst können Sie für niemanden handeln, auch nicht in eigenem Namen. Sehen Sie, warum.",
      "You cannot act for anyone at this service, not even in your own name. See why."}},
    {"error.no_identity",
     {"We hebben van de aanmeldingsdienst geen identiteit ontvangen. Meld u opnieuw aan.",
      "Nous n'avons reçu aucune identité du service de connexion. Veuillez vous reconnecter.",
      "Wir haben vom Anmeldedienst keine Identität erhalten. Bitte melden Sie sich erneut an.",
      "We received no identity from the login service. Please log in again."}},
    {"error.no_session",
     {"U hebt nog geen partij gekozen, dus er is niets om te wisselen.",
      "Vous n'avez pas encore choisi de partie : il n'y a rien à changer.",
      "Sie haben noch keine Partei gewählt, es gibt also nichts zu wechseln.",
      "You have not chosen a party yet, so there is nothing to switch."}},
    {"error.not_found",
     {"Deze pagina bestaat niet.",
      "Cette page n'existe pas.",
      "Diese Seite gibt es nicht.",
      "This page does not exist."}},
    /* {1} transaction id to quote to the helpdesk */
    {"error.reference", {"Referentie: {1}", "Référence : {1}", "Referenz: {1}", "Reference: {1}"}},
    {"error.saml_replay",
     {"Deze aanmeldingsvraag werd al gebruikt. Ga terug naar de toepassing en meld opnieuw aan.",
      "Cette demande de connexion a déjà été utilisée. Retournez à l'application et "
      "reconnectez-vous.",
      "Diese Anmeldeanfrage wurde bereits verwendet. Gehen Sie zur Anwendung zurück und melden "
      "Sie sich erneut an.",
      "This login request was used already. Go back to the application and log in again."}},
    {"error.saml_request",
     {"De toepassing stuurde een aanmeldingsvraag die niet aanvaard wordt. Neem contact op met "
      "de beheerder van de toepassing.",
      "L'application a envoyé une demande de connexion qui n'est pas acceptée. Contactez "
      "l'administrateur de l'application.",
      "Die Anwendung hat eine Anmeldeanfrage gesendet, die nicht angenommen wird. Wenden Sie "
      "sich an den Verwalter der Anwendung.",
      "The application sent a login request that is not accepted. Contact the application's "
      "administrator."}},
    {"error.service_unknown",
     {"Deze dienst is niet correct ingesteld. Meld dit aan de beheerder van de dienst.",
      "Ce service n'est pas configuré correctement. Signalez-le à l'administrateur du service.",
      "Dieser Dienst ist nicht richtig eingerichtet. Melden Sie dies dem Betreiber des Dienstes.",
      "This service is not set up correctly. Please tell the service's administrator."}},
    {"error.store_unavailable",
     {"De gegevens over mandaten en rechten zijn tijdelijk niet beschikbaar. Probeer het over "
      "enkele minuten opnieuw.",
      "Les données relatives aux mandats et aux droits sont temporairement indisponibles. "
      "Veuillez réessayer dans quelques minutes.",
      "Die Daten zu Mandaten und Rechten sind vorübergehend nicht verfügbar. Bitte versuchen "
      "Sie es in einigen Minuten erneut.",
      "The data on mandates and rights is temporarily unavailable. Please try again in a few "
      "minutes."}},
    {"error.title",
     {"Er ging iets mis", "Une erreur s'est produite", "Es ist ein Fehler aufgetreten",
      "Something went wrong"}},
    {"error.txn_expired",
     {"Deze aanmelding is verlopen of werd al afgerond. Begin opnieuw.",
      "Cette connexion a expiré ou est déjà terminée. Veuillez recommencer.",
      "Diese Anmeldung ist abgelaufen oder wurde bereits abgeschlossen. Bitte beginnen Sie neu.",
      "This login has expired or was already completed. Please start again."}},
    /* {1} service name: the link back to the e-counter, where a new login starts */
    {"error.txn_expired_back",
     {"Opnieuw beginnen bij {1}", "Recommencer sur {1}", "Erneut beginnen bei {1}",
      "Start again at {1}"}},
    {"logout.done",
     {"U handelt niet langer voor een partij. Meld u ook af bij de aanmeldingsdienst als u klaar bent.",
      "Vous n'agissez plus pour une partie. Déconnectez-vous aussi du service de connexion si vous avez terminé.",
      "Sie handeln nicht mehr für eine Partei. Melden Sie sich auch beim Anmeldedienst ab, wenn Sie fertig sind.",
      "You no longer act for a party. Also log out of the login service when you are done."}},
    {"logout.title",
     {"Afgemeld",
      "Déconnecté",
      "Abgemeldet",
      "Logged out"}},
    /* {1} the basis heading (basis.*) */
    {"miss.basis_not_accepted",
     {"Deze dienst aanvaardt geen toegang op deze basis: {1}.",
      "Ce service n'accepte pas l'accès sur cette base : {1}.",
      "Dieser Dienst akzeptiert keinen Zugang auf dieser Grundlage: {1}.",
      "This service does not accept access on this basis: {1}."}},
    /* {1} party */
    {"miss.enterprise_stopped",
     {"De onderneming {1} is stopgezet.", "L'entreprise {1} a cessé ses activités.",
      "Das Unternehmen {1} wurde eingestellt.", "The enterprise {1} has ceased its activities."}},
    /* {1} party, {2} date */
    {"miss.kbo_function_ended",
     {"Uw functie bij {1} is beëindigd op {2}.", "Votre fonction auprès de {1} a pris fin le {2}.",
      "Ihre Funktion bei {1} endete am {2}.", "Your function at {1} ended on {2}."}},
    /* {1} required level of assurance */
    {"miss.loa_too_low",
     {"Deze dienst vereist een aanmelding met betrouwbaarheidsniveau {1} of hoger.",
      "Ce service exige une connexion de niveau de garantie {1} ou supérieur.",
      "Dieser Dienst erfordert eine Anmeldung mit Vertrauensniveau {1} oder höher.",
      "This service requires a login with assurance level {1} or higher."}},
    /* {1} date */
    {"miss.mandate_expired",
     {"Het mandaat is verlopen op {1}.", "Le mandat a expiré le {1}.",
      "Das Mandat ist am {1} abgelaufen.", "The mandate expired on {1}."}},
    {"miss.mandate_not_yet_valid",
     {"Het mandaat is pas geldig vanaf {1}.", "Le mandat n'est valable qu'à partir du {1}.",
      "Das Mandat gilt erst ab dem {1}.", "The mandate is only valid from {1}."}},
    /* {1} party that must approve, {2} date of the request */
    {"miss.mandate_pending",
     {"Het mandaat wacht sinds {2} op goedkeuring door {1}.",
      "Le mandat attend depuis le {2} l'approbation de {1}.",
      "Das Mandat wartet seit dem {2} auf die Genehmigung durch {1}.",
      "The mandate has been awaiting approval by {1} since {2}."}},
    {"miss.mandate_revoked",
     {"Het mandaat is ingetrokken op {1}.", "Le mandat a été révoqué le {1}.",
      "Das Mandat wurde am {1} widerrufen.", "The mandate was revoked on {1}."}},
    /* {1} organisation holding the mandates, {2} how many */
    {"miss.missing_executor_right",
     {"{1} heeft {2} mandaten gekregen, maar u hebt bij {1} niet het recht SSM "
      "Mandaatuitvoerder. Vraag dat recht aan de lokale beheerder van {1}.",
      "{1} a reçu {2} mandats, mais vous ne disposez pas du droit SSM Mandaatuitvoerder "
      "auprès de {1}. Demandez ce droit à l'administrateur local de {1}.",
      "{1} hat {2} Mandate erhalten, aber Sie haben bei {1} nicht das Recht SSM "
      "Mandaatuitvoerder. Bitten Sie den lokalen Verwalter von {1} um dieses Recht.",
      "{1} has received {2} mandates, but you do not hold the right SSM Mandaatuitvoerder at "
      "{1}. Ask the local administrator of {1} for that right."}},
    /* {1} party, {2} date */
    {"miss.right_ended",
     {"Uw recht voor deze dienst bij {1} is beëindigd op {2}.",
      "Votre droit pour ce service auprès de {1} a pris fin le {2}.",
      "Ihr Recht für diesen Dienst bei {1} endete am {2}.",
      "Your right for this service at {1} ended on {2}."}},
    {"page.actor", {"Aangemeld als", "Connecté en tant que", "Angemeldet als", "Logged in as"}},
    {"page.continue", {"Doorgaan", "Continuer", "Weiter", "Continue"}},
    /* {1} year, {2} month, {3} day (two digits each but the year) */
    {"page.date", {"{3}/{2}/{1}", "{3}/{2}/{1}", "{3}.{2}.{1}", "{3}/{2}/{1}"}},
    /* Language names are endonyms: a reader finds their own language in any page. */
    {"page.lang.de", {"Deutsch", "Deutsch", "Deutsch", "Deutsch"}},
    {"page.lang.en", {"English", "English", "English", "English"}},
    {"page.lang.fr", {"Français", "Français", "Français", "Français"}},
    {"page.lang.nl", {"Nederlands", "Nederlands", "Nederlands", "Nederlands"}},
    {"page.lang_switch", {"Taal", "Langue", "Sprache", "Language"}},
    {"page.noscript",
     {"JavaScript staat uit. Klik op Doorgaan om verder te gaan.",
      "JavaScript est désactivé. Cliquez sur Continuer pour poursuivre.",
      "JavaScript ist deaktiviert. Klicken Sie auf Weiter, um fortzufahren.",
      "JavaScript is disabled. Click Continue to proceed."}},
    {"page.skip_link", {"Naar de inhoud", "Aller au contenu", "Zum Inhalt", "Skip to content"}},
    {"saml.denied.loa",
     {"De toepassing vraagt een hoger betrouwbaarheidsniveau dan dat van uw aanmelding. Meld "
      "aan met uw eID of itsme en probeer opnieuw.",
      "L'application demande un niveau de confiance plus élevé que celui de votre connexion. "
      "Connectez-vous avec votre eID ou itsme et réessayez.",
      "Die Anwendung verlangt ein höheres Vertrauensniveau als das Ihrer Anmeldung. Melden Sie "
      "sich mit Ihrer eID oder itsme an und versuchen Sie es erneut.",
      "The application asks for a higher level of assurance than your login has. Log in with "
      "your eID or itsme and try again."}},
    {"saml.denied.passive",
     {"U moet eerst kiezen voor wie u optreedt; de toepassing vroeg om geen keuze te tonen.",
      "Vous devez d'abord choisir pour qui vous agissez ; l'application a demandé de ne pas "
      "afficher de choix.",
      "Sie müssen zuerst wählen, für wen Sie handeln; die Anwendung bat, keine Auswahl zu "
      "zeigen.",
      "You first need to choose for whom you act; the application asked not to show a "
      "choice."}},
    {"saml.denied.title",
     {"Terug naar de toepassing", "Retour à l'application", "Zurück zur Anwendung",
      "Back to the application"}},
    {"saml.logout.done",
     {"U bent afgemeld.", "Vous êtes déconnecté.", "Sie sind abgemeldet.",
      "You are logged out."}},
    {"saml.logout.title",
     {"Afmelden", "Déconnexion", "Abmelden", "Logging out"}},
    {"saml.post.message",
     {"U wordt teruggestuurd naar de toepassing. Gebeurt dat niet, kies dan Doorgaan.",
      "Vous êtes renvoyé vers l'application. Si rien ne se passe, choisissez Continuer.",
      "Sie werden zur Anwendung zurückgeleitet. Geschieht das nicht, wählen Sie Weiter.",
      "You are being sent back to the application. If nothing happens, choose Continue."}},
    {"saml.post.title",
     {"Aangemeld", "Connecté", "Angemeldet", "Logged in"}},
    {"why.advice.basis_not_accepted",
     {"Kies een andere hoedanigheid, of gebruik een ander kanaal van dit e-loket.",
      "Choisissez une autre qualité, ou utilisez un autre canal de ce guichet électronique.",
      "Wählen Sie eine andere Eigenschaft oder nutzen Sie einen anderen Kanal dieses E-Schalters.",
      "Choose another capacity, or use another channel of this e-counter."}},
    /* {1} the stopped intermediary */
    {"why.advice.enterprise_stopped_via",
     {"Wie een mandaat gaf aan {1}, moet een mandaat geven aan een andere partij.",
      "Les mandants de {1} doivent donner un mandat à une autre partie.",
      "Wer {1} ein Mandat erteilt hat, muss einer anderen Partei ein Mandat erteilen.",
      "Those who gave {1} a mandate must give a mandate to another party."}},
    /* {1} the enterprise */
    {"why.advice.kbo_function_ended",
     {"Klopt dit niet, laat de onderneming het dan verbeteren in de KBO via een ondernemingsloket. "
      "Intussen kan {1} u een mandaat of een gebruikersrecht geven.",
      "Si c'est inexact, l'entreprise peut le faire corriger dans la BCE via un guichet "
      "d'entreprises. Entre-temps, {1} peut vous donner un mandat ou un droit d'utilisateur.",
      "Ist dies nicht richtig, lässt das Unternehmen es über einen Unternehmensschalter in der ZDU "
      "berichtigen. Bis dahin kann {1} Ihnen ein Mandat oder ein Benutzerrecht erteilen.",
      "If this is wrong, the enterprise can have it corrected in the CBE at an enterprise counter. "
      "Meanwhile, {1} can give you a mandate or a user right."}},
    {"why.advice.loa_too_low",
     {"Meld u opnieuw aan met uw eID-kaart of met itsme.",
      "Reconnectez-vous avec votre carte eID ou avec itsme.",
      "Melden Sie sich erneut mit Ihrer eID-Karte oder mit itsme an.",
      "Log in again with your eID card or with itsme."}},
    /* {1} the giver */
    {"why.advice.mandate_expired",
     {"Vraag {1} om een nieuw mandaat.", "Demandez un nouveau mandat à {1}.",
      "Bitten Sie {1} um ein neues Mandat.", "Ask {1} for a new mandate."}},
    /* {1} the giver */
    {"why.advice.mandate_not_yet_valid",
     {"Hebt u het eerder nodig, vraag {1} dan om een mandaat dat eerder ingaat.",
      "Si vous en avez besoin plus tôt, demandez à {1} un mandat qui commence plus tôt.",
      "Wenn Sie es früher brauchen, bitten Sie {1} um ein Mandat, das früher beginnt.",
      "If you need it sooner, ask {1} for a mandate that starts earlier."}},
    /* {1} the organisation that must approve */
    {"why.advice.mandate_pending",
     {"Vraag een mandaatbeheerder van {1} om het mandaat goed te keuren.",
      "Demandez à un gestionnaire de mandats de {1} d'approuver le mandat.",
      "Bitten Sie einen Mandatsverwalter von {1}, das Mandat zu genehmigen.",
      "Ask a mandate manager of {1} to approve the mandate."}},
    /* {1} the person who must approve */
    {"why.advice.mandate_pending_person",
     {"Vraag {1} om het mandaat goed te keuren.", "Demandez à {1} d'approuver le mandat.",
      "Bitten Sie {1}, das Mandat zu genehmigen.", "Ask {1} to approve the mandate."}},
    {"why.advice.mandate_pending_self",
     {"U kunt het mandaat zelf goedkeuren in het mandatenbeheer.",
      "Vous pouvez approuver le mandat vous-même dans la gestion des mandats.",
      "Sie können das Mandat selbst in der Mandatsverwaltung genehmigen.",
      "You can approve the mandate yourself in mandate management."}},
    /* {1} the giver */
    {"why.advice.mandate_revoked",
     {"Was de intrekking een vergissing, vraag {1} dan om een nieuw mandaat.",
      "Si la révocation était une erreur, demandez un nouveau mandat à {1}.",
      "War der Widerruf ein Irrtum, bitten Sie {1} um ein neues Mandat.",
      "If the revocation was a mistake, ask {1} for a new mandate."}},
    /* {1} the organisation holding the mandates */
    {"why.advice.missing_executor_right",
     {"Weet u niet wie de lokale beheerder van {1} is? De hoofdtoegangsbeheerder van {1} weet het "
      "en kan er een aanstellen.",
      "Vous ne savez pas qui est l'administrateur local de {1} ? Le gestionnaire d'accès principal "
      "de {1} le sait et peut en désigner un.",
      "Sie wissen nicht, wer der lokale Verwalter von {1} ist? Der Hauptzugangsverwalter von {1} "
      "weiß es und kann einen ernennen.",
      "Don't know who the local administrator of {1} is? The main access manager of {1} knows "
      "and can appoint one."}},
    /* {1} the organisation */
    {"why.advice.right_ended",
     {"Vraag de lokale beheerder van {1} om u het recht opnieuw te geven.",
      "Demandez à l'administrateur local de {1} de vous rendre ce droit.",
      "Bitten Sie den lokalen Verwalter von {1}, Ihnen das Recht erneut zu erteilen.",
      "Ask the local administrator of {1} to grant you the right again."}},
    {"why.back",
     {"Terug naar de keuze", "Retour au choix", "Zurück zur Auswahl", "Back to the choice"}},
    {"why.intro",
     {"Voor deze partijen kunt u nu niet handelen. Bij elke partij staat waarom.",
      "Vous ne pouvez pas agir maintenant pour ces parties. La raison figure à côté de "
      "chacune.",
      "Für diese Parteien können Sie jetzt nicht handeln. Bei jeder Partei steht der Grund.",
      "You cannot act on behalf of these parties now. The reason is given for each."}},
    /* {1} number of mandates concerned */
    {"why.mandates",
     {"Aantal mandaten: {1}.", "Nombre de mandats : {1}.", "Anzahl der Mandate: {1}.",
      "Number of mandates: {1}."}},
    {"why.none",
     {"We vonden geen andere partijen waarvoor u zou kunnen handelen.",
      "Nous n'avons trouvé aucune autre partie pour laquelle vous pourriez agir.",
      "Wir haben keine weiteren Parteien gefunden, für die Sie handeln könnten.",
      "We found no other parties on whose behalf you could act."}},
    {"why.title",
     {"Waarom ontbreekt een partij?", "Pourquoi une partie manque-t-elle ?",
      "Warum fehlt eine Partei?", "Why is a party missing?"}},
    /* the person themself, as the party whose approval is awaited */
    {"why.you", {"uzelf", "vous-même", "Sie selbst", "you"}},
};

#define N_BUILTIN (sizeof(builtin_msgs) / sizeof(builtin_msgs[0]))
#define CATALOG_FILE_MAX (1024 * 1024)
#define AL_MAX_BYTES 4096 /* Accept-Language: parse at most this much ... */
#define AL_MAX_ITEMS 64   /* ... and this many items, so a huge header costs bounded work */

static const mnd_catalog_t builtin_catalog = {builtin_msgs, N_BUILTIN};

const mnd_catalog_t *mnd_catalog_builtin(void)
{
    return &builtin_catalog;
}

static int def_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const msg_def_t *)elem)->key);
}

size_t mnd_catalog_count(const mnd_catalog_t *cat)
{
    return cat ? cat->n : 0;
}

const char *mnd_catalog_key(const mnd_catalog_t *cat, size_t i)
{
    return cat && i < cat->n ? cat->defs[i].key : NULL;
}

static const msg_def_t *find_def(const mnd_catalog_t *cat, const char *key)
{
    if (!cat || !key)
        return NULL;
    return bsearch(key, cat->defs, cat->n, sizeof(msg_def_t), def_cmp);
}

const char *mnd_msg(const mnd_catalog_t *cat, mnd_lang_t l, const char *key)
{
    const msg_def_t *d = find_def(cat, key);
    if (!d)
        return NULL;
    if ((unsigned)l >= MND_LANG__N || !d->text[l])
        return d->text[MND_LANG_NL];
    return d->text[l];
}

/* 1..9 if s starts with "{d}" for a digit 1..9, else 0. */
static int arg_ref(const char *s)
{
    return (s[0] == '{' && s[1] >= '1' && s[1] <= '9' && s[2] == '}') ? s[1] - '0' : 0;
}

const char *mnd_msg_args(apr_pool_t *p, const mnd_catalog_t *cat, mnd_lang_t l, const char *key,
                         int nargs, const char *const *args)
{
    const char *text = mnd_msg(cat, l, key), *s;
    apr_size_t len = 0;
    char *out, *d;
    int n;
    if (!text)
        return NULL;
    /* Two passes (measure, then copy) so the result is one allocation. */
    for (s = text; *s;) {
        n = arg_ref(s);
        if (n && n <= nargs) {
            len += args[n - 1] ? strlen(args[n - 1]) : 0;
            s += 3;
        } else {
            len++;
            s++;
        }
    }
    d = out = apr_palloc(p, len + 1);
    for (s = text; *s;) {
        n = arg_ref(s);
        if (n && n <= nargs) {
            apr_size_t al = args[n - 1] ? strlen(args[n - 1]) : 0;
            memcpy(d, args[n - 1] ? args[n - 1] : "", al);
            d += al;
            s += 3;
        } else {
            *d++ = *s++;
        }
    }
    *d = '\0';
    return out;
}

/* ---- operator overrides ---- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not valid UTF-8 (overlong
 * forms, surrogates and code points above U+10FFFF included). */
static int utf8_seq(const unsigned char *s, const unsigned char *end)
{
    int n, i;
    unsigned cp;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        n = 2, cp = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        n = 3, cp = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        n = 4, cp = s[0] & 0x07;
    else
        return 0;
    if (end - s < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static int utf8_valid(const char *s, apr_size_t len)
{
    const unsigned char *u = (const unsigned char *)s, *end = u + len;
    int n;
    while (u < end) {
        if (!(n = utf8_seq(u, end)))
            return 0;
        u += n;
    }
    return 1;
}

/* Read a whole file of at most max bytes; *found = 0 (and no error) if it does not exist. */
static mnd_error_t *read_small_file(apr_pool_t *p, const char *path, apr_size_t max, char **buf,
                                    apr_size_t *len, int *found)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_status_t rv;
    char ebuf[128];
    *found = 0;
    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, APR_OS_DEFAULT, p);
    if (APR_STATUS_IS_ENOENT(rv))
        return NULL;
    if (rv == APR_SUCCESS)
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    if (rv != APR_SUCCESS)
        return mnd_error(p, MND_EINVAL, "%s: cannot read: %s", path,
                         apr_strerror(rv, ebuf, sizeof(ebuf)));
    if (fi.size < 0 || (apr_size_t)fi.size > max) {
        apr_file_close(f);
        return mnd_error(p, MND_EINVAL, "%s: larger than %lu bytes", path, (unsigned long)max);
    }
    *buf = apr_palloc(p, (apr_size_t)fi.size + 1);
    *len = 0;
    rv = fi.size ? apr_file_read_full(f, *buf, (apr_size_t)fi.size, len) : APR_SUCCESS;
    apr_file_close(f);
    if (rv != APR_SUCCESS)
        return mnd_error(p, MND_EINVAL, "%s: cannot read: %s", path,
                         apr_strerror(rv, ebuf, sizeof(ebuf)));
    (*buf)[*len] = '\0';
    *found = 1;
    return NULL;
}

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

/* An override may leave out arguments but not use one the code does not supply: it would
 * show up literally as "{3}" on the page. */
static mnd_error_t *check_args(apr_pool_t *p, const char *where, const char *key, const char *text,
                               const char *builtin)
{
    const char *s;
    for (s = text; *s; s++)
        if (arg_ref(s) && !strstr(builtin, apr_pstrndup(p, s, 3)))
            return mnd_error(p, MND_EINVAL,
                             "%s: message '%s' uses %.3s, which the code does not supply", where,
                             key, s);
    return NULL;
}

/* Apply one "key = text" line (already known not to be blank or a comment) to language l. */
static mnd_error_t *apply_line(apr_pool_t *p, msg_def_t *defs, char *seen, mnd_lang_t l,
                               const char *where, char *line)
{
    char *eq = strchr(line, '='), *key, *text;
    const char *k;
    msg_def_t *d;
    if (!eq)
        return mnd_error(p, MND_EINVAL, "%s: expected 'key = text'", where);
    *eq = '\0';
    key = trim(line);
    text = trim(eq + 1);
    for (k = key; *k; k++)
        if (!(apr_islower(*k) || apr_isdigit(*k) || strchr("_.-", *k)))
            break;
    if (!*key || *k)
        return mnd_error(p, MND_EINVAL, "%s: bad message key '%s' (allowed: a-z 0-9 _ . -)", where,
                         key);
    d = (msg_def_t *)find_def(&builtin_catalog, key);
    if (!d)
        return mnd_error(p, MND_EINVAL, "%s: unknown message key '%s'", where, key);
    if (!*text)
        return mnd_error(p, MND_EINVAL, "%s: message '%s' has an empty text", where, key);
    if (seen[d - builtin_msgs])
        return mnd_error(p, MND_EINVAL, "%s: message '%s' given twice", where, key);
    seen[d - builtin_msgs] = 1;
    MND_TRY(check_args(p, where, key, text, builtin_msgs[d - builtin_msgs].text[l]));
    defs[d - builtin_msgs].text[l] = text;
    return NULL;
}

static mnd_error_t *load_lang(apr_pool_t *p, const char *dir, mnd_lang_t l, msg_def_t *defs)
{
    const char *path = apr_pstrcat(p, dir, "/", mnd_lang_code(l), ".txt", NULL);
    char *buf, *line, *next, *seen;
    apr_size_t len;
    int found, lineno = 0;
    MND_TRY(read_small_file(p, path, CATALOG_FILE_MAX, &buf, &len, &found));
    if (!found)
        return NULL;
    if (memchr(buf, '\0', len) || !utf8_valid(buf, len))
        return mnd_error(p, MND_EINVAL, "%s: not UTF-8 text", path);
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        buf += 3; /* editors on some systems write a byte order mark */
    seen = apr_pcalloc(p, N_BUILTIN);
    for (line = buf; line; line = next) {
        char *t;
        lineno++;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        t = trim(line);
        if (!*t || *t == '#')
            continue;
        MND_TRY(apply_line(p, defs, seen, l, apr_psprintf(p, "%s:%d", path, lineno), t));
    }
    return NULL;
}

mnd_error_t *mnd_catalog_load(apr_pool_t *p, const char *dir, const mnd_catalog_t **out)
{
    apr_finfo_t fi;
    mnd_catalog_t *cat;
    msg_def_t *defs;
    int l;
    if (!dir || apr_stat(&fi, dir, APR_FINFO_TYPE, p) != APR_SUCCESS || fi.filetype != APR_DIR)
        return mnd_error(p, MND_EINVAL, "message catalogue %s: not a directory",
                         dir ? dir : "(null)");
    defs = apr_pmemdup(p, builtin_msgs, sizeof(builtin_msgs));
    for (l = 0; l < MND_LANG__N; l++)
        MND_TRY(load_lang(p, dir, (mnd_lang_t)l, defs));
    cat = apr_palloc(p, sizeof(*cat));
    cat->defs = defs;
    cat->n = N_BUILTIN;
    *out = cat;
    return NULL;
}

/* ---- Accept-Language (RFC 9110 section 12.5.4) ---- */

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), as 0..1000; -1 if malformed. */
static int parse_qvalue(const char *s, const char *end)
{
    int q, scale = 100, n = 0;
    if (s >= end || (*s != '0' && *s != '1'))
        return -1;
    q = (*s++ - '0') * 1000;
    if (s < end && *s == '.')
        for (s++; s < end && n < 3 && apr_isdigit(*s); s++, n++, scale /= 10)
            q += (*s - '0') * scale;
    return (s == end && q <= 1000) ? q : -1;
}

/* 1 if [s, end) is a language-range 1*8ALPHA *( "-" 1*8alphanum ); *primary_end ends the
 * primary subtag, which alone selects our language (nl-BE is served nl). */
static int range_valid(const char *s, const char *end, const char **primary_end)
{
    const char *r;
    int n = 0, first = 1;
    for (r = s;; r++) {
        if (r == end || *r == '-') {
            if (n < 1 || n > 8)
                return 0;
            if (first)
                *primary_end = r, first = 0;
            if (r == end)
                return 1;
            n = 0;
        } else if (first ? apr_isalpha(*r) : apr_isalnum(*r)) {
            n++;
        } else {
            return 0;
        }
    }
}

/* Parse one list item [s, end): the language (or -2 for "*", -1 for a language we lack or a
 * malformed item) and its weight 0..1000. */
static int parse_item(const char *s, const char *end, int *q)
{
    const char *semi, *pend;
    char code[9];
    mnd_lang_t l;
    *q = 1000;
    while (s < end && is_ows(*s))
        s++;
    while (end > s && is_ows(end[-1]))
        end--;
    semi = memchr(s, ';', (size_t)(end - s));
    if (semi) {
        const char *w = semi + 1;
        while (w < end && is_ows(*w))
            w++;
        if (end - w < 2 || apr_tolower(w[0]) != 'q' || w[1] != '=' ||
            (*q = parse_qvalue(w + 2, end)) < 0)
            return -1; /* the only parameter Accept-Language has is the weight */
        end = semi;
        while (end > s && is_ows(end[-1]))
            end--;
    }
    if (end - s == 1 && *s == '*')
        return -2;
    if (!range_valid(s, end, &pend))
        return -1;
    memcpy(code, s, (size_t)(pend - s));
    code[pend - s] = '\0';
    return mnd_lang_parse(code, &l) ? (int)l : -1;
}

mnd_lang_t mnd_lang_negotiate(const char *accept_language, mnd_lang_t dflt)
{
    int best[MND_LANG__N], pos[MND_LANG__N], star_q = -1, star_pos = 0, item = 0, l, q;
    int win = -1;
    const char *s = accept_language, *stop, *comma;
    if ((unsigned)dflt >= MND_LANG__N)
        dflt = MND_LANG_NL;
    if (!s)
        return dflt;
    for (l = 0; l < MND_LANG__N; l++)
        best[l] = -1, pos[l] = 0;
    stop = s + strnlen(s, AL_MAX_BYTES);
    for (; s < stop && item < AL_MAX_ITEMS; s = comma + 1, item++) {
        comma = memchr(s, ',', (size_t)(stop - s));
        if (!comma) {
            if (stop[0] != '\0')
                break; /* the last item was cut by the size cap: ignore it */
            comma = stop;
        }
        l = parse_item(s, comma, &q);
        if (l == -2 && star_q < 0)
            star_q = q, star_pos = item;
        else if (l >= 0 && q > best[l])
            best[l] = q, pos[l] = item; /* a language's weight: its best range (nl-BE, nl) */
        if (comma == stop)
            break;
    }
    /* "*" stands for every language not named; the operator's default first. */
    if (star_q > 0) {
        int sl = best[dflt] < 0 ? (int)dflt : -1;
        for (l = 0; sl < 0 && l < MND_LANG__N; l++)
            if (best[l] < 0)
                sl = l;
        if (sl >= 0)
            best[sl] = star_q, pos[sl] = star_pos;
    }
    for (l = 0; l < MND_LANG__N; l++)
        if (best[l] > 0 &&
            (win < 0 || best[l] > best[win] || (best[l] == best[win] && pos[l] < pos[win])))
            win = l;
    return win < 0 ? dflt : (mnd_lang_t)win;
}
