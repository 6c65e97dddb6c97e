"""Dutch texts of the desktop app, keyed by the English ones (formal 'u', as journalist_ui)."""

DUTCH: dict[str, str] = {
    "Check again": "Opnieuw controleren",
    "Safety check: {count} problem. Fix it before opening reports.":
        "Veiligheidscontrole: {count} probleem. Los het op voordat u meldingen opent.",
    "Safety check: {count} problems. Fix them before opening reports.":
        "Veiligheidscontrole: {count} problemen. Los ze op voordat u meldingen opent.",
    "Safety check passed: no network, swap encrypted or absent, key folder private.":
        "Veiligheidscontrole in orde: geen netwerk, swap versleuteld of afwezig, "
        "sleutelmap privé.",
    "Reporter": "Melder",
    "{name} (confidant)": "{name} (vertrouwenspersoon)",
    "PDF document": "PDF-document",
    "Document": "Document",
    "Save a cleaned copy…": "Opgeschoonde kopie opslaan…",
    "Show in folder": "Toon in map",
    "Open another bundle": "Andere bundel openen",
    "signed by the reporter's key": "ondertekend met de sleutel van de melder",
    "NOT SIGNED: may not be written by the person who holds this codename":
        "NIET ONDERTEKEND: is mogelijk niet geschreven door wie deze codenaam heeft",
    "SIGNED BY ANOTHER KEY: not written by the person who holds this codename":
        "ONDERTEKEND MET EEN ANDERE SLEUTEL: niet geschreven door wie deze codenaam heeft",
    "SIGNATURE DOES NOT MATCH: not written by the person who holds this codename":
        "HANDTEKENING KLOPT NIET: niet geschreven door wie deze codenaam heeft",
    "CANNOT BE CHECKED: the bundle names no reporter key, so this may not be written by the "
    "person who holds this codename":
        "NIET TE CONTROLEREN: de bundel noemt geen sleutel van de melder, dus dit is mogelijk "
        "niet geschreven door wie deze codenaam heeft",
    "SIGNED BY ANOTHER REPORTER KEY THAN EARLIER BUNDLES: not written by the person who holds "
    "this codename":
        "ONDERTEKEND MET EEN ANDERE MELDERSSLEUTEL DAN IN EERDERE BUNDELS: niet geschreven door "
        "wie deze codenaam heeft",
    "a confidant's reply, written in Kring (not signed)":
        "een antwoord van een vertrouwenspersoon, geschreven in Kring (niet ondertekend)",
    "{count} item is not proven to come from the reporter.":
        "{count} onderdeel is niet bewezen afkomstig van de melder.",
    "{count} items are not proven to come from the reporter.":
        "{count} onderdelen zijn niet bewezen afkomstig van de melder.",
    "Read the red marks in the conversation. Whoever controls the Kring server can add "
    "messages that look like the reporter's; only items signed by the reporter's key are "
    "proven. Ask the reporter about anything marked before you act on it.":
        "Lees de rode markeringen in het gesprek. Wie de Kring-server beheerst, kan berichten "
        "toevoegen die op die van de melder lijken; alleen onderdelen die met de sleutel van de "
        "melder zijn ondertekend, zijn bewezen. Vraag de melder naar alles wat gemarkeerd is "
        "voordat u ernaar handelt.",
    "{ext} file": "{ext}-bestand",
    "unknown type": "onbekend type",
    "Conversation “{designation}”": "Gesprek “{designation}”",
    "Bundle made on {day}; times are kept per day only, on purpose. Opened into {folder}.":
        "Bundel gemaakt op {day}; tijden worden met opzet alleen per dag bewaard. "
        "Geopend in {folder}.",
    "Files ({count})": "Bestanden ({count})",
    "Save the cleaned copy in": "Sla de opgeschoonde kopie op in",
    "Name": "Naam",
    "Type": "Soort",
    "Size": "Grootte",
    "Saved: {path}": "Opgeslagen: {path}",
    "NOT saved: {name}: mat2 cannot clean this format ({reason}).":
        "NIET opgeslagen: {name}: mat2 kan dit formaat niet opschonen ({reason}).",
    "Cleaned copy saved.": "Opgeschoonde kopie opgeslagen.",
    "Some files could not be cleaned, so they were not saved.":
        "Sommige bestanden konden niet worden opgeschoond en zijn daarom niet opgeslagen.",
    "Metadata (author, camera, GPS position, edit history) was removed. The content itself "
    "can still identify the reporter.":
        "De metadata (auteur, camera, GPS-positie, bewerkingsgeschiedenis) is verwijderd. "
        "De inhoud zelf kan de melder nog steeds herkenbaar maken.",
    "The cleaned copy could not be saved.": "De opgeschoonde kopie kon niet worden opgeslagen.",
    "Nothing was saved. Check that the folder is writable and has room.":
        "Er is niets opgeslagen. Controleer of u in de map mag schrijven en of er ruimte is.",
    "This bundle is for another confidant's key.":
        "Deze bundel is voor de sleutel van een andere vertrouwenspersoon.",
    "None of its items could be opened with your key. Ask the confidant it was downloaded "
    "for, or download the bundle with your own account.":
        "Geen enkel onderdeel kon met uw sleutel worden geopend. Vraag het de "
        "vertrouwenspersoon voor wie hij is gedownload, of download de bundel met uw eigen "
        "account.",
    "Check such a file yourself, or convert it to a format mat2 supports, before sharing it.":
        "Controleer zo'n bestand zelf, of zet het om naar een formaat dat mat2 ondersteunt, "
        "voordat u het deelt.",
    "mat2 is not installed, so nothing can be cleaned.":
        "mat2 is niet geïnstalleerd, dus er kan niets worden opgeschoond.",
    "Install it (sudo apt install mat2; on Tails it is included).":
        "Installeer het (sudo apt install mat2; in Tails zit het er al in).",
    "{count} item of {total} could not be opened.":
        "{count} onderdeel van de {total} kon niet worden geopend.",
    "{count} items of {total} could not be opened.":
        "{count} onderdelen van de {total} konden niet worden geopend.",
    "Not opened: this item could not be decrypted ({detail}).":
        "Niet geopend: dit onderdeel kon niet worden ontsleuteld ({detail}).",
    "This is not a Kring bundle, or it is damaged.":
        "Dit is geen Kring-bundel, of hij is beschadigd.",
    "Nothing was written. Choose the .zip file you downloaded in Kring; if it is the right "
    "one, download it again.":
        "Er is niets weggeschreven. Kies het .zip-bestand dat u in Kring hebt gedownload; is "
        "het het juiste, download het dan opnieuw.",
    "The bundle could not be opened.": "De bundel kon niet worden geopend.",
    "Nothing was written. Try again; if it keeps failing, note the detail below for your "
    "admin.":
        "Er is niets weggeschreven. Probeer het opnieuw; blijft het mislukken, noteer dan de "
        "details hieronder voor uw beheerder.",
    "Not opened: this item was encrypted for another confidant's key, not yours. Ask the "
    "confidant who holds that key.":
        "Niet geopend: dit onderdeel is versleuteld voor de sleutel van een andere "
        "vertrouwenspersoon, niet voor de uwe. Vraag het de vertrouwenspersoon met die sleutel.",
    "Not opened: this item was damaged or altered on the way. Download the bundle again.":
        "Niet geopend: dit onderdeel is onderweg beschadigd of veranderd. Download de bundel "
        "opnieuw.",
    "This bundle contains unsafe entries and was refused.":
        "Deze bundel bevat onveilige onderdelen en is geweigerd.",
    "It holds paths outside its folder or links, which Kring never makes: it may have been "
    "tampered with. Nothing was written. Download the bundle again in Kring; if this "
    "happens again, tell your admin.":
        "Hij bevat paden buiten zijn map of koppelingen, die Kring nooit maakt: er kan mee "
        "geknoeid zijn. Er is niets weggeschreven. Download de bundel opnieuw in Kring; "
        "gebeurt dit weer, meld het dan aan uw beheerder.",
    "This bundle is too large or unpacks to far more than its size.":
        "Deze bundel is te groot of pakt uit tot veel meer dan zijn grootte.",
    "It looks like a \"zip bomb\" and was refused. Nothing was written. Download the bundle "
    "again in Kring; if this happens again, tell your admin.":
        "Het lijkt een \"zipbom\" en is geweigerd. Er is niets weggeschreven. Download de "
        "bundel opnieuw in Kring; gebeurt dit weer, meld het dan aan uw beheerder.",
    "This bundle was made by a newer version of Kring.":
        "Deze bundel is gemaakt door een nieuwere versie van Kring.",
    "Nothing was written. Install the newer Kring workstation software, then open it.":
        "Er is niets weggeschreven. Installeer de nieuwere Kring-werkstationsoftware en open "
        "hem dan.",
    "This bundle was damaged or altered on the way.":
        "Deze bundel is onderweg beschadigd of veranderd.",
    "Nothing was written. Download the bundle again in Kring and copy it once more.":
        "Er is niets weggeschreven. Download de bundel opnieuw in Kring en kopieer hem nog "
        "een keer.",
    "This file cannot be read.": "Dit bestand kan niet worden gelezen.",
    "Check that the USB stick is still plugged in and try again.":
        "Controleer of de USB-stick nog in de computer zit en probeer het opnieuw.",
    "Wrong passphrase: your key could not be unlocked.":
        "Verkeerd wachtwoord: uw sleutel kon niet worden ontgrendeld.",
    "Nothing was written. Type the passphrase again (mind Caps Lock and the keyboard "
    "layout).":
        "Er is niets weggeschreven. Typ het wachtwoord opnieuw (let op Caps Lock en de "
        "toetsenbordindeling).",
    "The disk is full.": "De schijf is vol.",
    "Nothing from this bundle was kept. Free at least {size} (or choose a folder on another "
    "disk) and open it again.":
        "Niets uit deze bundel is bewaard. Maak minstens {size} vrij (of kies een map op een "
        "andere schijf) en open hem opnieuw.",
    "Open a bundle": "Een bundel openen",
    "Download the bundle of a conversation in Kring on your online computer, copy it to a "
    "USB stick, and open it here.":
        "Download de bundel van een gesprek in Kring op uw online computer, kopieer hem naar "
        "een USB-stick en open hem hier.",
    "Drop the bundle (.zip) here, or": "Sleep de bundel (.zip) hierheen, of",
    "Choose bundle…": "Kies bundel…",
    "Choose…": "Kies…",
    "Open into": "Openen in",
    "Passphrase of your key": "Wachtwoord van uw sleutel",
    "Open": "Openen",
    "Cancel": "Annuleren",
    "{done} of {total}": "{done} van {total}",
    "{file}: conversation “{designation}”, {count} item, {size}, bundle made on {day}.":
        "{file}: gesprek “{designation}”, {count} onderdeel, {size}, bundel gemaakt op {day}.",
    "{file}: conversation “{designation}”, {count} items, {size}, bundle made on {day}.":
        "{file}: gesprek “{designation}”, {count} onderdelen, {size}, bundel gemaakt op "
        "{day}.",
    "No bundle chosen yet.": "Nog geen bundel gekozen.",
    "Opening was cancelled.": "Het openen is geannuleerd.",
    "Nothing from this bundle was kept. Open it again when you are ready.":
        "Niets uit deze bundel is bewaard. Open hem opnieuw wanneer u zover bent.",
    "Type the passphrase of your key first.": "Typ eerst het wachtwoord van uw sleutel.",
    "Your key is ready": "Uw sleutel is klaar",
    "Upload the public key file on your account page in Kring. Then compare the fingerprint "
    "Kring shows with this one, group by group, or scan the QR code with your phone. If a "
    "single character differs, do not use the key: ask your admin.":
        "Upload het bestand met de publieke sleutel op uw accountpagina in Kring. Vergelijk "
        "daarna de vingerafdruk die Kring toont groep voor groep met deze, of scan de QR-code "
        "met uw telefoon. Verschilt er ook maar één teken, gebruik de sleutel dan niet: vraag "
        "het uw beheerder.",
    "Continue: open a bundle": "Verder: een bundel openen",
    "Set up your key": "Uw sleutel instellen",
    "Reports reach you encrypted to your own key. Its secret half stays on this computer; "
    "you upload only the public half in Kring. Choose a passphrase of at least 12 "
    "characters (a few random words work well) and write it down somewhere safe: without "
    "it nobody can open the reports sent to you.":
        "Meldingen bereiken u versleuteld voor uw eigen sleutel. De geheime helft blijft op "
        "deze computer; alleen de publieke helft uploadt u in Kring. Kies een wachtwoord van "
        "minstens 12 tekens (een paar willekeurige woorden werkt goed) en schrijf het op een "
        "veilige plek op: zonder dat wachtwoord kan niemand de meldingen aan u openen.",
    "Your name (in the key; not secret)": "Uw naam (in de sleutel; niet geheim)",
    "Passphrase": "Wachtwoord",
    "The same passphrase again": "Hetzelfde wachtwoord nog eens",
    "Strength": "Sterkte",
    "Save the public key in (e.g. a USB stick)":
        "Sla de publieke sleutel op in (bijv. een USB-stick)",
    "Create my key": "Maak mijn sleutel",
    "I already have a key…": "Ik heb al een sleutel…",
    "Save the public key in": "Sla de publieke sleutel op in",
    "The folder that holds your key": "De map met uw sleutel",
    "Public key saved to {path}": "Publieke sleutel opgeslagen in {path}",
    "at least 12 characters": "minstens 12 tekens",
    "The key could not be created.": "De sleutel kon niet worden gemaakt.",
    "Nothing was changed. Check the name and the folder, then try again.":
        "Er is niets veranderd. Controleer de naam en de map en probeer het opnieuw.",
    "The two passphrases differ.": "De twee wachtwoorden verschillen.",
    "No secret key was found in {folder}.": "In {folder} is geen geheime sleutel gevonden.",
    "Choose the folder made when you created your key (its gpg home, for example "
    "~/Persistent/kring-gnupg).":
        "Kies de map die is gemaakt toen u uw sleutel aanmaakte (de gpg-map, bijvoorbeeld "
        "~/Persistent/kring-gnupg).",
    "Kring workstation": "Kring-werkstation",
    "Your key: {fingerprint}": "Uw sleutel: {fingerprint}",
    "No key yet": "Nog geen sleutel",
    "A network connection is on: disconnect the cable and switch off Wi-Fi.":
        "Er is een netwerkverbinding actief: haal de kabel los en zet wifi uit.",
    "Swap is not encrypted: opened reports could end up on the disk.":
        "Swap is niet versleuteld: geopende meldingen kunnen op de schijf terechtkomen.",
    "Your key folder is missing or others could read it.":
        "Uw sleutelmap ontbreekt of anderen kunnen hem lezen.",
    "too short": "te kort",
    "weak": "zwak",
    "fair": "redelijk",
    "strong": "sterk",
    "January": "januari",
    "February": "februari",
    "March": "maart",
    "April": "april",
    "May": "mei",
    "June": "juni",
    "July": "juli",
    "August": "augustus",
    "September": "september",
    "October": "oktober",
    "November": "november",
    "December": "december",
    "message": "bericht",
    "reply": "antwoord",
    "file": "bestand",
    "Image": "Afbeelding",
    "Video": "Video",
    "Sound": "Geluid",
    "Text": "Tekst",
}
